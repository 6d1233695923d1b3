# Совещания, вебинары, напоминания, расписание.

menu-schedule = Моё расписание
menu-events = Совещания и вебинары

event-card =
    <b>{ $title }</b>
    🗓 { $when }
    Ссылка: { $link }
event-card-no-link =
    <b>{ $title }</b>
    🗓 { $when }
reminder-in-minutes = Напоминание: начало через { $minutes } { $minutes ->
    [one] минуту
    [few] минуты
   *[many] минут
}
reminder-in-an-hour = Напоминание: начало через час
reminder-today = Напоминание: сегодня в { $time }
reminder-tomorrow = Напоминание: завтра в { $time }
reminder-in-days = Напоминание: через { $days } { $days ->
    [one] день
    [few] дня
   *[many] дней
}
event-moved =
    🔁 <b>Перенос:</b> { $title }
    Было: { $old }
    Стало: { $when }
    Ссылка: { $link }
event-moved-to =
    🔁 <b>Перенос:</b> { $title }
    Новое время: { $when }
    Ссылка: { $link }
event-moved-answer-kept-yes = Ваш ответ «{ rsvp-yes }» сохранён. Если новое время не подходит, нажмите «{ rsvp-no }».
event-moved-answer-kept-no = Ваш ответ «{ rsvp-no }» сохранён. Если теперь сможете, нажмите «{ rsvp-yes }».
event-cancelled = <b>Отменено.</b>
rsvp-yes = Буду
rsvp-no = Не смогу
rsvp-saved = Ответ сохранён: { $answer }

schedule-title = <b>Мои совещания и вебинары на { $days } дней</b>
schedule-empty = В ближайшие { $days } дней совещаний и вебинаров нет.
schedule-answer-yes = буду
schedule-answer-no = не смогу
schedule-answer-none = нет ответа
button-ics-all = 📎 Весь график (.ics)

digest-title = <b>На этой неделе</b>
digest-footer = Отключить дайджест: /me
digest-on = Еженедельный дайджест включён.
digest-off = Еженедельный дайджест отключён. Напоминания о совещаниях продолжат приходить.
button-digest-on = Включить дайджест
button-digest-off = Отключить дайджест

events-title = <b>Совещания и вебинары на { $days } дней</b>. Выберите, чтобы увидеть ответы участников.
events-none = В ближайшие дни событий нет.
button-new-webinar = ➕ Новый вебинар
button-event-move = Перенести
button-event-cancel = Отменить
button-event-cancel-final = Да, отменить
button-event-report = Ответы участников
attendance-summary = Будут: { $coming }, не смогут: { $not_coming }, без ответа: { $silent }.
attendance-line = { $municipality }: будут { $coming }, не смогут { $not_coming }, без ответа { $silent }
attendance-no-municipality = Региональный уровень / без муниципалитета
attendance-silent = Без ответа: { $names }
event-move-ask = Напишите новую дату и время: ДД.ММ.ГГГГ ЧЧ:ММ (например, 08.12.2026 10:00) или ГГГГ-ММ-ДД ЧЧ:ММ.
event-move-done = ✅ Перенесено на { $when }. Участники получат уведомление.
event-cancel-sure = Отменить «{ $title }» ({ $when })? Участники получат уведомление.
event-cancel-done = ✅ Событие отменено, участники уведомлены.

webinar-ask-title = Напишите название вебинара.
webinar-ask-date = Выберите дату или напишите её: ДД.ММ.ГГГГ или ГГГГ-ММ-ДД. Можно сразу со временем: 20.12.2026 15:00.
button-today = Сегодня
button-dates-earlier = ← Раньше
button-dates-later = Ещё даты →
webinar-ask-time = Выберите время ({ $zone }) или напишите его в формате ЧЧ:ММ.
webinar-ask-duration = Сколько длится вебинар?
webinar-ask-link = Отправьте ссылку на вебинар (https://…).
webinar-ask-audience = Для кого этот вебинар? Напоминания получат только они.
audience-all = Всем участникам
audience-director = Директорам
audience-curator = Кураторам
minutes = { $count } { $count ->
    [one] минута
    [few] минуты
   *[many] минут
}
webinar-card =
    <b>Проверьте вебинар</b>
    { $title }
    🗓 { $when }, { $minutes } мин.
    Ссылка: { $link }
    Кому: { $audience }
button-webinar-create = ✅ Создать вебинар
webinar-cancelled = Создание вебинара отменено.
webinar-created = ✅ Вебинар «{ $title }» создан.
reminder-offset-days = { $count ->
    [1] за сутки
    [one] за { $count } день
    [few] за { $count } дня
   *[many] за { $count } дней
}
reminder-offset-hours = { $count ->
    [1] за час
    [one] за { $count } час
    [few] за { $count } часа
   *[many] за { $count } часов
}
reminder-offset-minutes = { $count ->
    [one] за { $count } минуту
    [few] за { $count } минуты
   *[many] за { $count } минут
}
reminder-plan-now = сейчас
reminder-plan = Участники получат { $count ->
    [one] напоминание
    [few] напоминания
   *[many] напоминания
} { $offsets }.
reminder-plan-none = Напоминания о вебинарах отключены в настройках бота.
list-and = { $first } и { $last }

error-event-bad-time = Время должно быть в формате ЧЧ:ММ, например 10:00.
error-event-bad-link = Ссылка должна начинаться с http:// или https://.
error-event-bad-title = Название должно содержать от 3 до 300 символов.
error-event-bad-duration = Длительность должна быть от 10 до 600 минут.
error-event-in-past = Это время уже прошло. Укажите будущую дату.
error-event-cancelled = Это событие отменено.
error-event-started = Событие уже началось: ответ изменить нельзя.
error-event-unknown = Событие не найдено.

cmd-schedule = Моё расписание

import-row-empty-title = не указано название
import-row-bad-time = время должно быть в формате ЧЧ:ММ
import-row-bad-date = дата должна быть в формате ДД.ММ.ГГГГ
import-row-in-past = дата уже прошла
import-row-bad-link = ссылка должна начинаться с https://
import-row-bad-duration = длительность — число минут от 10 до 600
import-row-bad-audience = непонятная аудитория (пример: «директора, Киришский, 500+»)

button-unreachable = Кто заблокировал бота
unreachable-title = <b>Заблокировали бота: { $count }</b>. Напоминания и объявления им не доставляются; попросите их снова написать боту.
unreachable-none = Все участники муниципалитета получают сообщения бота.

webinar-ask-materials = Отправьте файл с материалами вебинара (он придёт вместе с напоминаниями) или нажмите «Без материалов».
button-no-materials = Без материалов

digest-survey = 📋 Анкета «{ $title }» ждёт ответа, срок: { $when }

## public holidays (the production calendar)
event-holiday = ⚠ нерабочий праздничный день: { $holiday }
holiday-question =
    ⚠ <b>Событие в нерабочий праздничный день</b>
    «{ $title }» назначено на { $when }: { $holiday }.
    Перенесите или отмените его. Участники получат уведомление.
button-holiday-move = Перенести на { $when }
button-holiday-cancel = Отменить событие
button-holiday-keep = Оставить как есть
holiday-kept = Событие остаётся на { $when }. Участники уведомлений не получат.
error-event-changed = Событие уже изменено, эта кнопка больше не действует. Его карточка — в /menu, раздел «Совещания и вебинары».

## the calendar feed
button-calendar-subscribe = 🔗 Подписаться в календаре
calendar-feed =
    <b>Ваш календарь по подписке</b>
    Добавьте эту ссылку в Яндекс Календарь, Google Календарь или Outlook как календарь по ссылке (подписку):
    { $url }
    Новые события, переносы и отмены появятся в календаре сами. Ссылка личная: не пересылайте её.
button-calendar-revoke = Отозвать ссылку
calendar-feed-revoked = Ссылка отозвана: календари по ней больше не обновляются. Новую ссылку можно получить в /schedule.
calendar-feed-off = Подписка в календаре недоступна: администратор бота её не настроил.
button-materials = 📄 Материалы: { $title }
event-materials = Материалы вебинара «{ $title }».
