# Регистрация, роли, справочник школ, инструменты координаторов.

## Роли
role-director = директор школы
role-curator = куратор
role-municipal_coordinator = муниципальный координатор
role-regional_coordinator = региональный координатор
role-admin = администратор
role-none = не назначена

## Кнопки
button-menu = ↩ Главное меню
button-consent-accept = Согласен(на)
button-consent-decline = Не согласен(на)
button-confirm = ✅ Всё верно
button-start-over = Начать заново
button-previous = ◀ Назад
button-next = Далее ▶
button-approve = ✅ Одобрить
button-reject = Отклонить
button-change-name = Изменить ФИО
button-forget = Удалить мои данные
button-forget-final = Да, удалить безвозвратно
button-keep = Отмена
button-revoke = Отозвать доступ: { $name }
button-revoke-final = Да, отозвать доступ
button-assign-curator = Назначить куратора
button-invite-school = Для одной школы
button-invite-municipality = Для всего муниципалитета
button-import-apply = Применить импорт
button-cancel = Отмена

## Согласие
consent-text =
    <b>Согласие на обработку персональных данных</b>

    Для работы в боте мы храним: Ваши ФИО, роль (директор, куратор, координатор), школу и муниципалитет, а также Ваши ответы на анкеты.

    Зачем: чтобы присылать Вам напоминания о совещаниях и вебинарах, анкеты и объявления, и чтобы региональная команда видела участие школ в проектах.

    Кто видит: муниципальный координатор Вашего муниципалитета и региональная команда (ЛОИРО, КОиПО ЛО).

    Как удалить: команда /forget в любой момент удаляет Ваши данные; ответы на анкеты остаются только в обезличенном виде.
consent-declined = Хорошо, мы ничего не сохранили. Если передумаете, отправьте /start.
consent-given = ✅ Вы дали согласие на обработку персональных данных.
consent-refused = ❌ Вы не дали согласие на обработку персональных данных.

## Вступление
join-code-or-municipality = Если у Вас есть код приглашения, отправьте его сообщением. Если кода нет, выберите муниципалитет, и мы отправим заявку координатору.
join-type-school = Муниципалитет: { $municipality }. Напишите часть названия Вашей школы, например «СОШ №3».
join-invite-choose-school = Код принят: роль «{ $role }», { $municipality }. Напишите часть названия Вашей школы.
join-invite-accepted = ✅ Код принят: роль «{ $role }».
join-no-schools = Школа не найдена. Попробуйте написать название иначе, например номер школы или населённый пункт.
join-pick-school = Найдено школ: { $total }. Выберите свою.
join-pick-role = Школа: { $school }. Выберите Вашу роль.
join-ask-name = Напишите Ваши фамилию, имя и отчество, например: Иванова Ирина Петровна.
join-card-title = <b>Проверьте данные</b>
join-request-sent = ✅ Заявка отправлена координатору. Мы сообщим Вам о решении.
join-request-waiting = Ваша заявка ещё рассматривается координатором. Мы сообщим Вам о решении.
join-done = ✅ Регистрация завершена.
join-start-again = Чтобы начать заново, отправьте /start.
join-without-code = Чтобы зарегистрироваться без кода, отправьте /start: заявку рассмотрит координатор. Главное меню: /menu
join-approved = ✅ Ваша заявка одобрена. Откройте меню: /menu
join-rejected = Ваша заявка отклонена координатором. Если это ошибка, свяжитесь с муниципальным координатором или отправьте /start, чтобы подать заявку снова.
hint-use-buttons = Пожалуйста, выберите вариант кнопкой под сообщением выше или отправьте /cancel.

## Меню
menu-title = Главное меню. Ваша роль: { $role }.
menu-not-registered = Вы ещё не зарегистрированы. Отправьте /start, чтобы начать.
menu-profile = Мои данные
menu-schools = Школы и участники
menu-requests = Заявки на вступление
menu-invite = Пригласить участника
menu-rename = Переименовать муниципалитет
menu-import = Импорт школ из файла

## Мои данные
profile-title = <b>Мои данные</b>
profile-name = ФИО: { $name }
profile-role = Роль: { $role }
profile-municipality = Муниципалитет: { $municipality }
profile-schools = Школа: { $schools }
profile-language = Язык: { $language }
profile-telegram-id = Идентификатор в Telegram: <code>{ $id }</code>
profile-max-id = Идентификатор в MAX: <code>{ $id }</code>
profile-ask-name = Напишите новые фамилию, имя и отчество.
profile-name-saved = ✅ ФИО сохранены.

## Удаление данных
forget-warning = Команда удалит Ваши ФИО, роль и привязку к школе. Ответы на анкеты останутся только в обезличенном виде. Продолжить?
forget-sure = Вы уверены? Это действие необратимо: для работы в боте потребуется зарегистрироваться заново.
forget-done = ✅ Ваши данные удалены. Спасибо за участие.
forget-kept = Хорошо, данные сохранены.

## Координатору
choose-municipality = Выберите муниципалитет.
page-of = Страница { $page } из { $pages }
roster-title =
    <b>{ $municipality }</b>
    Школ: { $schools }, директоров в боте: { $directors }.
roster-line = { $mark } { $school } — кураторов: { $curators }
school-code = Код: { $code }
school-programmes = Программы: { $programmes }
school-director = Директор: { $name }
school-curators = Кураторы: { $names }
school-nobody = не зарегистрирован
assign-choose = Выберите куратора для школы «{ $school }».
assign-no-curators = В муниципалитете пока нет зарегистрированных кураторов. Пригласите их через «Пригласить участника».
assign-done = ✅ Куратор назначен.
revoke-sure = Отозвать доступ? Участник потеряет роль и привязку к школам.
revoke-done = ✅ Доступ участника { $name } отозван.
revoke-notice = Ваш доступ к боту отозван координатором. Если это ошибка, свяжитесь с муниципальным координатором.
requests-none = Новых заявок нет.
request-card =
    <b>Заявка на вступление</b>
    ФИО: { $name }
    Роль: { $role }
    Школа: { $school }
    Муниципалитет: { $municipality }
request-approved = ✅ Заявка одобрена.
request-rejected = Заявка отклонена.
invite-choose-role = Кого Вы приглашаете?
invite-choose-scope = Приглашение для одной школы или для всех школ муниципалитета?
invite-type-school = Напишите часть названия школы.
invite-one-use = одноразовый
invite-many-uses = многоразовый
invite-pick-school = Найдено школ: { $total }. Выберите школу для приглашения.
invite-for-school = Школа: { $school }
invite-for-municipality = Муниципалитет: { $municipality }
invite-for-region = Для всей Ленинградской области
invite-created =
    ✅ Код приглашения создан.
    Роль: { $role }
    { $scope }
    Код ({ $uses }): <code>{ $code }</code>
    Ссылка: { $link }
    Действует до: { $expires }

    Перешлите ссылку участнику: по ней бот сразу предложит регистрацию.
rename-ask = Текущее название: { $name }. Напишите новое название.
rename-done = ✅ Муниципалитет переименован: { $name }.

## Импорт школ
import-send-file = Отправьте файл со школами в формате XLSX или CSV (UTF-8). Формат описан в документации: столбцы «Код», «Муниципалитет», «Полное наименование», «Краткое наименование», «Программы».
import-preview =
    <b>Проверка файла</b>
    Новых школ: { $new }
    Изменённых: { $updated }
    Без изменений: { $unchanged }
    Ошибок: { $errors }
import-error-line = Строка { $row }: { $reason }
import-more-errors = …и ещё ошибок: { $count }
import-fix-and-resend = Исправьте ошибки и отправьте файл снова. Ничего не записано.
import-nothing-to-do = Изменений нет: справочник уже совпадает с файлом.
import-applied = ✅ Импорт выполнен: новых школ { $new }, изменённых { $updated }.
import-cancelled = Импорт отменён, ничего не записано.
import-row-empty-code = не указан код школы
import-row-empty-name = не указано полное наименование
import-row-duplicate-code = код повторяется в файле: { $value }
import-row-unknown-municipality = неизвестный муниципалитет «{ $value }»
import-row-too-long = слишком длинное значение «{ $value }»

## Ошибки
error-access-denied = У Вас нет прав на это действие.
error-already-registered = Вы уже зарегистрированы. Ваши данные: /me
error-consent-needed = Сначала нужно согласие на обработку данных. Отправьте /start.
error-bad-name = Напишите фамилию, имя и отчество буквами, от 3 до 100 символов, например: Иванова Ирина Петровна.
error-bad-municipality-name = Название должно содержать от 3 до 200 символов.
error-invite-unknown = Такой код приглашения не найден. Проверьте код.
error-invite-expired = Срок действия кода истёк. Попросите координатора выдать новый.
error-invite-used = Этот код уже использован. Попросите координатора выдать новый.
error-invite-revoked = Этот код отозван. Попросите координатора выдать новый.
error-invite-school-removed = Школа из этого приглашения больше не участвует в проекте. Обратитесь к координатору.
error-invite-needs-school = Для этой роли нужно указать школу или муниципалитет.
error-invite-one-school = Приглашение директора выдаётся для одной школы.
error-invite-needs-municipality = Для муниципального координатора нужно указать муниципалитет.
error-invite-mixed-municipalities = Все школы приглашения должны быть из одного муниципалитета.
error-invite-bad-uses = Число использований должно быть не меньше одного.
error-school-has-director = У этой школы уже есть директор в боте. Если директор сменился, обратитесь к муниципальному координатору.
error-request-pending = Ваша заявка уже отправлена и ждёт решения координатора.
error-request-decided = По этой заявке уже принято решение.
error-request-unknown = Заявка не найдена.
error-participant-unknown = Участник не найден или уже не зарегистрирован.
error-unknown-school = Школа не найдена или больше не участвует в проекте.
error-unknown-municipality = Муниципалитет не найден.
error-import-format = Файл должен быть в формате XLSX или CSV.
error-import-encoding = Файл CSV не в кодировке UTF-8 (ошибка в строке { $row }). Сохраните его как «CSV UTF-8» или отправьте XLSX.
error-import-columns = В файле нет обязательных столбцов: { $missing }.
error-import-empty = В файле нет строк со школами.
error-import-too-large = Файл слишком большой (больше 10 МБ).
error-import-too-many-rows = В файле больше { $limit } строк. Разделите его на части.
error-import-too-many-lines = В файле слишком много строк, считая пустые: допустимо не больше { $limit }. Удалите пустые строки или разделите файл на части.
error-import-too-many-columns = В строке { $row } слишком много столбцов: допустимо не больше { $limit }. Оставьте только столбцы справочника.
error-import-line-too-long = Строка { $row } слишком длинная: допустимо не больше { $limit } символов. Проверьте, что это таблица школ в формате CSV.
error-import-unpacked-too-large = Файл XLSX в распакованном виде больше { $limit } МБ. Оставьте в нём только лист со школами, без рисунков.
error-import-csv-broken = Файл CSV повреждён (строка { $row }). Сохраните его заново как «CSV UTF-8» или отправьте XLSX.
error-import-has-errors = В файле есть ошибки ({ $count }); импорт не выполнен.
