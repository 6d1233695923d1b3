# The operator's command line: python -m bot … (bot/cli.py, bot/cli_events.py, bot/cli_report.py).

## argparse's own words (bot/cli.py, ARGPARSE_WORDS)
cli-argparse-usage = Использование:
cli-argparse-positionals = аргументы
cli-argparse-options = параметры
cli-argparse-help = показать эту справку и выйти
cli-argparse-error = %(prog)s: ошибка: %(message)s
cli-argparse-argument = аргумент %(argument_name)s: %(message)s
cli-argparse-required = не указаны обязательные аргументы: %s
cli-argparse-unrecognized = непонятные аргументы: %s
cli-argparse-expected-one = нужно указать одно значение
cli-argparse-invalid-choice = недопустимое значение %(value)r (допустимые: %(choices)s)
cli-argparse-invalid-value = нужно целое число, а указано %(value)r
cli-argparse-ambiguous = неоднозначный параметр %(option)s: подходят %(matches)s

## placeholders in the help
cli-metavar-command = КОМАНДА
cli-metavar-action = ДЕЙСТВИЕ
cli-metavar-file = ФАЙЛ
cli-metavar-code = КОД
cli-metavar-survey = КОД_ОПРОСА
cli-metavar-id = НОМЕР
cli-metavar-number = ЧИСЛО
cli-metavar-folder = ПАПКА
cli-metavar-when = "ДД.ММ.ГГГГ ЧЧ:ММ"
cli-metavar-day = ДД.ММ.ГГГГ
cli-metavar-time = ЧЧ:ММ
cli-metavar-link = ССЫЛКА
cli-metavar-role = РОЛЬ
cli-metavar-municipality = МУНИЦИПАЛИТЕТ
cli-metavar-locale = ЯЗЫК

## help texts
cli-description = Бот участников проектов поддержки школ Ленинградской области и команды оператора.
cli-help-locale = язык вывода: ru или en (по умолчанию — DEFAULT_LOCALE)
cli-help-run = обновить базу данных и запустить бота (команда по умолчанию)
cli-help-migrate = обновить схему базы данных и выйти
cli-help-check = проверить настройки и подключение к базе данных
cli-help-schools = справочник школ
cli-help-schools-import = проверить файл CSV или XLSX со школами (с --apply — записать)
cli-help-schools-apply = записать изменения
cli-help-schools-export = записать справочник в файл CSV или XLSX
cli-help-schools-archive = вывести школу из проекта
cli-help-school-code = код школы
cli-help-invite = коды приглашения
cli-help-invite-create = создать код приглашения и ссылку на бота
cli-help-invite-role = роль: director (директор), curator (куратор), municipal_coordinator (муниципальный координатор), regional_coordinator (региональный координатор), admin (администратор)
cli-help-invite-school = код школы (для куратора нескольких школ повторите параметр)
cli-help-invite-municipality = название или код муниципалитета
cli-help-invite-uses = сколько человек могут воспользоваться кодом (0 — без ограничения)
cli-help-invite-days = сколько дней действует код
cli-help-invite-list = действующие приглашения (сами коды не хранятся)
cli-help-invite-revoke = отозвать приглашение
cli-help-invite-id = номер приглашения из списка
cli-help-events = совещания и вебинары
cli-help-events-list = расписание на ближайшие недели
cli-help-events-series = задать организационные совещания (первый и третий понедельник месяца)
cli-help-events-link = ссылка на совещание
cli-help-events-time = время начала (местное), ЧЧ:ММ
cli-help-events-duration = длительность в минутах
cli-help-events-import = вебинары из файла CSV или XLSX
cli-help-events-apply = создать вебинары
cli-help-events-move = перенести событие (участники получат уведомление)
cli-help-events-to = новое время начала (местное): ДД.ММ.ГГГГ ЧЧ:ММ или ГГГГ-ММ-ДД ЧЧ:ММ
cli-help-events-cancel = отменить событие (участники получат уведомление)
cli-help-event-id = номер события из списка
cli-help-survey = опросы: файлы анкет и сроки
cli-help-survey-load = загрузить или обновить анкету из файла YAML или готовый шаблон по его имени
cli-help-survey-open = открыть опрос для ответов
cli-help-survey-code = код опроса
cli-help-survey-closes = окончание (местное время): ДД.ММ.ГГГГ ЧЧ:ММ или ГГГГ-ММ-ДД ЧЧ:ММ
cli-help-survey-opens = начало (местное время), по умолчанию — сейчас
cli-help-survey-new-round = начать новый раунд (ответы собираются заново), а не продолжить последний
cli-help-survey-close = закрыть опрос сейчас
cli-help-survey-list = опросы со сроками и числом ответов
cli-help-report = анализ опроса: книга Excel, файлы CSV и диаграммы
cli-help-report-out = папка для файлов
cli-help-report-round = номер раунда (по умолчанию — последний)
cli-help-report-from = начало периода индекса вовлечённости: ДД.ММ.ГГГГ или ГГГГ-ММ-ДД
cli-help-report-to = конец периода (включительно): ДД.ММ.ГГГГ или ГГГГ-ММ-ДД
cli-help-report-anonymised = без имён людей

## dates typed at the command line (bot/services/dates.py)
error-bad-moment = Не удалось понять дату и время «{ $value }». Укажите их так: ДД.ММ.ГГГГ ЧЧ:ММ (например, 20.12.2026 18:00) или ГГГГ-ММ-ДД ЧЧ:ММ (например, 2026-12-20 18:00).
error-bad-day = Не удалось понять дату «{ $value }». Укажите её так: ДД.ММ.ГГГГ (например, 20.12.2026) или ГГГГ-ММ-ДД (например, 2026-12-20).

## settings, migrate, check
cli-missing-token = Не задан токен бота: нет ни BOT_TOKEN (Telegram), ни MAX_TOKEN (MAX). Создайте бота у @BotFather в Telegram (команда /newbot) или на платформе MAX для партнёров и укажите его токен в файле .env или в окружении: BOT_TOKEN=… или MAX_TOKEN=…
cli-webhook-needs-token = Для MODE=webhook нужен BOT_TOKEN: это режим Telegram. Для MAX задайте MAX_WEBHOOK_URL и HTTP_PORT или уберите MODE=webhook.
cli-migrated = База данных { $database } обновлена: версия схемы { $revision }.
cli-migrate-nothing = База данных { $database } уже обновлена: версия схемы { $revision }. Изменений нет.
cli-check-mode-polling = Режим: бот сам запрашивает обновления (MODE=polling)
cli-check-mode-webhook = Режим: обновления приходят на адрес WEBHOOK_URL (MODE=webhook)
cli-check-token-set = Токен бота: задан
cli-check-token-missing = Токен бота: не задан. { cli-missing-token }
cli-check-telegram-off = Telegram: выключен (BOT_TOKEN не задан), бот работает в MAX (MAX_TOKEN задан).
cli-check-api = Сервер Bot API: { $url }
cli-check-telegram-bot = Бот в Telegram: @{ $username }
cli-check-telegram-refused = Telegram не принял токен. Проверьте BOT_TOKEN: его выдаёт @BotFather.
cli-check-telegram-unreachable = Telegram недоступен: нет соединения с { $url }. Проверьте сеть сервера и TELEGRAM_API_BASE.
cli-check-telegram-timeout = Telegram не ответил за { $seconds } с ({ $url }). Проверьте сеть сервера и повторите проверку.
cli-check-max-api = Сервер MAX Bot API: { $url }
cli-check-max-bot = Бот в MAX: { $name } (https://max.ru/{ $name })
cli-check-max-refused = MAX не принял токен. Проверьте MAX_TOKEN: его выдаёт платформа MAX для партнёров.
cli-check-max-unreachable = MAX недоступен: нет соединения с { $url }. Проверьте сеть сервера и MAX_API_BASE.
cli-check-max-timeout = MAX не ответил за { $seconds } с ({ $url }). Проверьте сеть сервера и повторите проверку.
cli-check-max-error = MAX ответил ошибкой { $code } ({ $url }). Повторите проверку позже.
cli-check-max-certificate = Сертификат сервера MAX не прошёл проверку ({ $url }). Укажите в MAX_CA_FILE корневой сертификат Минцифры с Госуслуг: https://www.gosuslugi.ru/crt
cli-check-max-ca-file = Файл сертификата MAX_CA_FILE { $file } не найден или не содержит сертификата в формате PEM.
cli-check-zone = Часовой пояс: { $zone }; язык по умолчанию: { $language }
cli-check-admins = Администраторов в ADMIN_IDS: { $count }
cli-check-max-admins = Администраторов в MAX_ADMIN_IDS: { $count }
cli-check-fsm-redis = Состояние диалогов: Redis (REDIS_URL)
cli-check-fsm-database = Состояние диалогов: в базе данных
cli-check-database = База данных: { $database }
cli-check-data-dir = Папка данных (база SQLite по умолчанию): { $folder }
cli-check-database-unavailable = База данных недоступна: { $reason }
cli-check-schema-current = Схема базы данных: версия { $revision }, обновлений нет.
cli-check-schema-behind = Схема базы данных: версия { $revision }, доступна { $head }. Обновите её: python -m bot migrate
cli-check-schema-empty = Схема базы данных: ещё не создана (доступна версия { $head }). Создайте её: python -m bot migrate

## files
cli-file-missing = Файл { $file } не найден.
cli-file-denied = Нет доступа к файлу { $file }.
cli-file-unreadable = Не удалось прочитать файл { $file }.
cli-file-unwritable = Не удалось записать файл { $file }.

## schools
cli-schools-exported = Справочник школ записан в файл { $file }.
cli-schools-archived = Школа { $code } ({ $name }) выведена из проекта.
cli-import-has-errors = Ничего не записано: исправьте ошибки в файле и запустите команду снова.
cli-import-dry-run = Пока ничего не записано. Чтобы записать эти изменения, запустите команду снова с параметром --apply.

## invites
cli-invite-none = Действующих приглашений нет. Новое приглашение: python -m bot invite create
cli-invite-line = { $id }. { $role }; { $limit ->
    [0] использовано { $uses }, без ограничения
   *[other] использовано { $uses } из { $limit }
    }; действует до { $until }; { $scope }
cli-invite-scope-schools = { $count ->
    [1] школа
   *[other] школы
    }: { $schools }
cli-invite-scope-municipality = муниципалитет: { $municipality }
cli-invite-scope-region = вся область
cli-invite-school = { $code } «{ $name }»
cli-invite-school-gone = школа № { $id } удалена из справочника
cli-invite-revoked = Приглашение { $id } отозвано.
cli-invite-revoke-unknown = Действующего приглашения { $id } нет. Действующие приглашения: python -m bot invite list
cli-invite-unknown-municipality = Муниципалитет «{ $name }» не найден. Укажите название или код муниципалитета, как в справочнике.
cli-invite-unknown-schools = { $count ->
    [1] Школа не найдена
   *[other] Школы не найдены
    }: { $codes }. Коды школ есть в справочнике: python -m bot schools export ФАЙЛ
cli-invite-code = Код приглашения: { $code }
cli-invite-link = Ссылка: { $link }
cli-invite-link-unknown = Ссылка: https://t.me/<имя бота>?start={ $code } (имя бота неизвестно: укажите его в настройке BOT_USERNAME).
cli-invite-link-max = Ссылка в MAX: { $link }
cli-invite-link-max-unknown = Ссылки в MAX нет: MAX не ответил на запрос имени бота. Код { $code } можно ввести в боте в MAX.
cli-invite-expires = Действует до { $when }.

## surveys
cli-survey-file-refused = Файл опроса { $file } не принят:
cli-survey-opened = Опрос { $code }, раунд { $round }: открыт до { $closes }.
cli-survey-opens-later = Опрос { $code }, раунд { $round }: откроется { $opens } и будет открыт до { $closes }.
cli-survey-closed = Опрос { $code } закрыт.
cli-survey-none = Опросов нет. Загрузите анкету: python -m bot survey load ФАЙЛ
cli-survey-line = { $code }: раунд { $round }, версия { $version }, { $status }{ $window }; заполняют: { $in_progress }, отправили: { $submitted }

## meetings and webinars
cli-events-series = «{ $title }»: первый и третий понедельник месяца в { $time }. { $created ->
    [0] Новых совещаний в расписании нет: все уже запланированы.
   *[other] Добавлено в расписание: { $created }.
    }
cli-events-none = На ближайшие { $weeks ->
    [one] { $weeks } неделю
    [few] { $weeks } недели
   *[many] { $weeks } недель
    } ничего не запланировано.
cli-events-line = { $id }. { $when } — { $kind }{ $cancelled }: { $title }{ $holiday }
cli-event-holiday-mark = {" "}⚠ нерабочий праздничный день: { $holiday }
cli-events-holidays = Совещаний в нерабочие праздничные дни: { $count }. За две недели до каждого бот спросит координаторов, перенести его или отменить.
cli-event-kind-meeting = совещание
cli-event-kind-webinar = вебинар
cli-event-cancelled-mark = {" "}(отменено)
cli-events-moved = Событие { $id } перенесено на { $when }. Уведомлений участникам: { $told }.
cli-events-cancelled = Событие { $id } отменено. Уведомлений участникам: { $told }.
cli-events-import-row = Строка { $row }: { $when }, «{ $title }»
cli-events-import-dry-run = { $count ->
    [one] В файле { $count } вебинар.
    [few] В файле { $count } вебинара.
   *[many] В файле { $count } вебинаров.
    } Пока ничего не записано. Чтобы создать их, запустите команду снова с параметром --apply.
cli-events-imported = Создано вебинаров: { $count }.

## report
cli-report-summary = Опрос { $code }, раунд { $round }: отправили { $submitted } из { $expected } ({ $share }); школ с низкой вовлечённостью: { $low }.
cli-report-files = Записаны файлы:

## invalid settings (bot/settings.py: setting-<kind> of its checks, or pydantic's error type)
cli-bad-setting = Недопустимое значение настройки { $name }: { $reason }
cli-bad-settings = Недопустимые настройки: { $reason }
setting-bad-token = это не похоже на токен от @BotFather (цифры, двоеточие, символы)
setting-bad-username = нужно имя бота, выданное @BotFather, например school_help_bot
setting-bad-database = адрес должен начинаться с sqlite+aiosqlite:// или postgresql+asyncpg://
setting-bad-zone = неизвестный часовой пояс { $zone } (например, Europe/Moscow)
setting-bad-locale = допустимые значения: { $locales }
setting-bad-admins = нужны числовые идентификаторы пользователей Telegram через запятую
setting-bad-max-admins = нужны числовые идентификаторы пользователей MAX через запятую
setting-bad-offsets = нужны промежутки вида 24h,1h,30m
setting-bad-weights = нужны веса вида surveys=0.3,events=0.4
setting-bad-weight-values = веса не могут быть отрицательными или все равны нулю
setting-unknown-components = неизвестные составляющие: { $unknown }; допустимые: { $known }
setting-bad-log-level = допустимые значения: DEBUG, INFO, WARNING, ERROR, CRITICAL
setting-bad-webhook-secret = от 1 до 256 символов: латинские буквы, цифры, _ и -
setting-backup-needs-sqlite = BACKUP_DIR копирует только базу SQLite; базу PostgreSQL копируйте командой pg_dump (docs/deploy.md)
setting-http-port-is-webhook-port = HTTP_PORT должен отличаться от WEBHOOK_PORT: сервер вебхука уже отвечает на /healthz и /metrics, HTTP_PORT можно не задавать
setting-leader-renew-within-lease = LEADER_RENEW_SECONDS должен быть меньше LEADER_LEASE_SECONDS: ведущий процесс продлевает аренду, пока она не истекла
setting-webhook-incomplete = для MODE=webhook нужно указать { $names }
setting-bad-max-token = это не похоже на токен с платформы MAX для партнёров
setting-bad-max-webhook-secret = от 5 до 256 символов: латинские буквы, цифры, _ и -
setting-max-webhook-incomplete = для MAX_WEBHOOK_URL нужно указать { $names }
setting-max-webhook-unserved = для MAX_WEBHOOK_URL нужен веб-сервер: MODE=webhook (вместе с вебхуком Telegram) или HTTP_PORT
setting-max-webhook-path = у MAX_WEBHOOK_URL и WEBHOOK_URL должны быть разные пути: их обслуживает один сервер
setting-int_parsing = нужно целое число, а указано «{ $value }»
setting-float_parsing = нужно число, а указано «{ $value }»
setting-bool_parsing = нужно одно из значений true, false, 1, 0, а указано «{ $value }»
setting-greater_than = значение должно быть больше { $gt }
setting-greater_than_equal = значение должно быть не меньше { $ge }
setting-less_than = значение должно быть меньше { $lt }
setting-less_than_equal = значение должно быть не больше { $le }
setting-url_parsing = нужен адрес вида https://example.org, а указано «{ $value }»
setting-url_scheme = адрес должен начинаться с http:// или https://
setting-enum = недопустимое значение «{ $value }»
setting-invalid = недопустимое значение

## backup and restore (bot/cli_backup.py)
cli-help-backup = записать копию встроенной базы данных в файл (бот может работать)
cli-help-restore = восстановить встроенную базу данных из копии (сначала остановите бота)
cli-help-restore-yes = не спрашивать подтверждения
cli-backup-done = Копия базы данных { $database } записана в { $file }.
cli-backup-no-database = Базы данных { $database } ещё нет: копировать нечего.
cli-backup-failed = Копию сделать не удалось: база данных { $database } занята дольше 30 секунд или повреждена.
cli-backup-postgresql = База данных { $database } работает на PostgreSQL. Копию делает pg_dump: { $command }
cli-restore-postgresql = База данных { $database } работает на PostgreSQL. Восстановление делает pg_restore: { $command }
cli-restore-refused-not-sqlite = Файл { $file } — не база данных SQLite. Ничего не изменено.
cli-restore-refused-not-ours = Файл { $file } — база данных, но не этого бота. Ничего не изменено.
cli-restore-refused-damaged = Файл { $file } повреждён. Ничего не изменено.
cli-restore-refused-newer = Копию { $file } сделала более новая версия бота (схема { $revision }). Обновите бота и повторите. Ничего не изменено.
cli-restore-confirm = База данных { $database } будет заменена копией { $file }. Бот должен быть остановлен. Продолжить? Введите «да»:
cli-restore-cancelled = Восстановление отменено. Ничего не изменено.
cli-restore-done = База данных { $database } восстановлена из { $file }: схема { $revision }.
cli-restore-kept = Прежняя база данных сохранена в { $file }.
## Why the database did not answer (storage.db.failure_kind)
database-refused = сервер не принимает подключения: он не запущен или указан не тот адрес
database-unknown-host = сервер с таким именем не найден
database-timeout = сервер не ответил вовремя
database-auth = сервер не принял имя пользователя или пароль
database-no-database = на сервере нет такой базы данных
database-unreadable-file = файл базы данных не открывается: проверьте путь и права
database-other = ответ драйвера базы данных: { $reason }
