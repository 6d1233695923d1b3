# Анкеты и опросы.

cmd-surveys = Анкеты
menu-surveys = Анкеты
menu-surveys-status = Ход опросов
surveys-title = <b>Открытые анкеты</b>
surveys-none = Сейчас нет открытых анкет для Вас.
surveys-closed-title = <b>Закрытые опросы</b> (ответы можно посмотреть):
survey-status-closed-submitted = отправлена
survey-status-closed-unsent = не отправлена
surveys-none-open = Сейчас нет открытых опросов.
survey-deadline = Срок: { $when }.
survey-status-not-started = не начата
survey-status-progress = вопрос { $number } из { $total }
survey-status-ready = все ответы даны, осталось отправить
survey-status-submitted = ✅ отправлена
survey-start = Начать анкету
survey-continue = Продолжить
survey-view = Посмотреть ответы
survey-invitation = 📋 Открыт опрос «{ $title }». Ответьте, пожалуйста, до окончания срока: { $when }.
survey-nudge-not-started = ⏰ Напоминаем: опрос «{ $title }» ещё ждёт Ваших ответов. Срок: { $when }.
survey-nudge-started = ⏰ Напоминаем: анкета «{ $title }» начата, но не отправлена (вопрос { $number } из { $total }). Срок: { $when }.
survey-nudge-ready = ⏰ Напоминаем: все ответы анкеты «{ $title }» даны, осталось нажать «Отправить анкету». Срок: { $when }.

survey-question-of = Вопрос { $number } из { $total }
survey-multi-hint = Отметьте все подходящие варианты и нажмите «Готово».
survey-scale-ends = { $low } — { $low_label }, { $high } — { $high_label }.
survey-yes = Да
survey-no = Нет
survey-done = Готово
survey-back = ◀ Назад
survey-skip = Пропустить
survey-type-number = Напишите число.
survey-type-text = Напишите ответ сообщением.
survey-saved = ✅ Ответ сохранён: «{ $question }» — { $answer }
survey-saved-toast = ✅ Ответ сохранён
survey-skipped = пропущено
survey-for-school = Школа: { $school }
survey-current = Сейчас: { $answer }. Напишите новый ответ или оставьте этот.
survey-keep = Оставить ответ
survey-dropped = Ответ на вопрос «{ $question }» больше не нужен и удалён.
survey-summary = <b>Проверьте ответы</b>. Любой ответ можно изменить, затем нажмите «Отправить анкету».
survey-summary-submitted = <b>Анкета отправлена.</b> До окончания срока ответы можно изменить.
survey-summary-sent = <b>Анкета отправлена.</b>
survey-summary-view = <b>Ответы анкеты</b> (не отправлена)
survey-edit = ✏ { $number }
survey-edit-hint = Чтобы изменить ответ, нажмите кнопку с его номером.
survey-submit = ✅ Отправить анкету
survey-thanks = Спасибо! Анкета отправлена.
survey-read-only = Опрос закрыт: ответы можно только посмотреть.
survey-read-only-earlier = Анкету за школу уже отправил прежний директор: ответы можно только посмотреть.

surveys-status-choose = Выберите опрос.
surveys-rate = Отправили ответ: { $done } из { $total } ({ $percent }).
surveys-unattended = { $unit ->
    [curator_school] Не назначен куратор
   *[other] Не зарегистрирован директор
} — { $count } { $count ->
    [one] школа
    [few] школы
   *[many] школ
}, отвечать за { $count ->
    [one] неё
    [few] них
   *[many] них
} некому: { $schools }{ $more ->
    [0] {""}
   *[other] {" "}и ещё { $more }
}
survey-school-not_started = не начали
survey-school-in_progress = заполняют
button-survey-remind = Напомнить неответившим

survey-error-use-buttons = Выберите ответ кнопкой под вопросом.
survey-error-not-a-number = Нужно число, например 12.
survey-error-not-whole = Нужно целое число, например 12.
survey-error-out-of-range = Число должно быть от { $min } до { $max }.
survey-error-out-of-scale = Выберите значение от { $min } до { $max }.
survey-error-unknown-option = Такого варианта нет. Выберите кнопкой под вопросом.
survey-error-picks = Отметьте от { $min } до { $max } вариантов.
survey-error-empty-text = Ответ пустой. Напишите его сообщением.
survey-error-too-long = Ответ длиннее { $limit } символов. Сократите, пожалуйста.
survey-error-required = На этот вопрос нужно ответить.
survey-error-unknown-question = Этот вопрос больше не входит в анкету из-за изменённого ответа.
survey-error-stale-button = Эта кнопка относится к другому вопросу. Ответьте на последний вопрос или откройте анкету заново: /surveys

error-survey-closed = Опрос закрыт: ответы больше нельзя изменить. Главное меню: /menu
error-survey-already-submitted = Анкета уже отправлена. Ответы можно изменить до окончания срока: /surveys
error-survey-incomplete = Ответьте на все обязательные вопросы, прежде чем отправить анкету.
error-survey-unknown = Опрос не найден.
error-survey-needs-school = Для этой анкеты нужна школа.
error-survey-round-open = Текущий раунд опроса ещё идёт: закройте его, прежде чем начинать новый.
error-survey-bad-window = Окончание опроса должно быть позже начала и позже текущего момента.
error-survey-not-holder = Эта анкета Вам больше не доступна: её заполняет директор или куратор, который сейчас закреплён за школой. Главное меню: /menu

menu-surveys-admin = Управление опросами
survey-admin-title = <b>Опросы</b>
survey-admin-line = • { $title } (версия { $version }): { $status }{ $window }. Заполняют: { $in_progress }, отправили: { $submitted }
survey-admin-until = , до { $when }
survey-admin-status-draft = не открыт
survey-admin-status-open = открыт
survey-admin-status-closed = закрыт
button-survey-open = Открыть: { $title }
button-survey-new-round = Новый раунд
button-survey-close = Закрыть
button-survey-upload = 📎 Загрузить файл опроса (YAML)
survey-admin-send-file = Отправьте файл опроса в формате YAML (описание формата — в документации).
survey-admin-refused-too-large = Файл не принят: он больше { $limit } КБ.
# Messages are Telegram HTML: & is written &amp;.
survey-admin-refused-yaml-aliases = Файл не принят: в строке { $line } есть якорь или ссылка YAML (&amp; или *). Запишите каждое значение полностью.
survey-admin-refused-yaml-too-deep = Файл не принят: в строке { $line } вложенность глубже { $limit } уровней. Проверьте скобки.
survey-admin-problems = Файл не принят:
    { $problems }
survey-admin-loaded-created = ✅ Опрос { $code } загружен (версия { $version }).
survey-admin-loaded-updated = ✅ Опрос { $code } обновлён (версия { $version }).
survey-admin-loaded-unchanged = Опрос { $code } не изменился.
survey-admin-loaded-new-version = ✅ У опроса { $code } уже есть ответы: создана версия { $version }, прежние ответы сохранены.
survey-admin-ask-closes-round = Раунд { $round }: те же вопросы, ответы собираются заново. Напишите дату и время окончания: ДД.ММ.ГГГГ ЧЧ:ММ.
survey-admin-ask-closes = Напишите дату и время окончания опроса: ДД.ММ.ГГГГ ЧЧ:ММ.
survey-admin-opened = ✅ Опрос открыт до { $when }. Участники получат приглашения.
survey-admin-closed = Опрос закрыт.

## A survey file's problems (bot/services/survey_definitions.Problem)
survey-problem-in-question = Вопрос «{ $question }»: { $problem }
survey-problem-in-question-field = Вопрос «{ $question }» (поле «{ $field }»): { $problem }
survey-problem-at-field = Поле «{ $field }»: { $problem }
survey-problem-missing = не заполнено обязательное поле
survey-problem-unknown-field = такого поля в формате нет
survey-problem-wrong-type = значение не того вида (например, текст вместо числа)
survey-problem-not-allowed = недопустимое значение; допустимы: { $value }
survey-problem-too-long = слишком длинное значение (не более { $value })
survey-problem-too-short = слишком короткое значение (не менее { $value })
survey-problem-bad-identifier = код может содержать только латинские буквы, цифры, _ и -
survey-problem-too-small = значение должно быть не меньше { $value }
survey-problem-too-big = значение должно быть не больше { $value }
survey-problem-invalid = недопустимое значение
survey-problem-show-if-condition = в show_if нужно одно из условий: equals или any_of
survey-problem-duplicate-id = такой код вопроса уже есть
survey-problem-show-if-later = show_if ссылается на следующий вопрос «{ $source }»: можно только на предыдущие
survey-problem-show-if-unknown = show_if ссылается на вопрос «{ $source }», которого нет
survey-problem-not-an-option = в show_if значение «{ $value }» не является вариантом вопроса «{ $source }»
survey-problem-not-yes-no = в show_if для вопроса «{ $source }» нужно true или false, а указано «{ $value }»
survey-problem-free-text = show_if не может зависеть от свободного ответа на вопрос «{ $source }»
survey-problem-two-options = нужно не меньше двух вариантов ответа
survey-problem-options-repeat = коды вариантов повторяются
survey-problem-no-options = у вопроса этого типа не бывает вариантов ответа
survey-problem-picks-fit = min_picks и max_picks должны укладываться в число вариантов
survey-problem-picks-multi = min_picks и max_picks бывают только у вопросов multi
survey-problem-scale-needed = для шкалы нужен раздел scale: min, max и подписи краёв
survey-problem-scale-order = у шкалы min должно быть меньше max
survey-problem-scale-points = в шкале не больше { $limit } делений
survey-problem-decimal-not-number = decimal — только для числовых вопросов
survey-problem-number-order = min не может быть больше max
survey-problem-not-yaml = файл не читается как YAML
survey-problem-not-yaml-at = строка { $line }: файл не читается как YAML
survey-problem-not-mapping = в файле должны быть разделы code, title, questions и другие
