# Объявления.

menu-broadcasts = Объявления
button-new-broadcast = ✉ Новое объявление
broadcast-history = <b>Объявления</b>. Выберите, чтобы увидеть доставку и ответы.
broadcast-history-empty = Объявлений пока не было.

broadcast-ask-content = Отправьте текст объявления (форматирование сохранится). Можно приложить документ или фото с подписью.
broadcast-ask-audience = Кому отправить объявление?
audience-municipal_coordinator = Муниципальным координаторам
audience-municipality = Участникам одного муниципалитета
audience-programme = Школам одной программы
audience-declined = Ответившим «Не смогу» на мероприятие
broadcast-choose-programme = Выберите программу.
broadcast-choose-event = Выберите мероприятие.
broadcast-audience-size = Получателей: { $count }.
broadcast-ask-acknowledge = Добавить кнопку «Ознакомлен», чтобы видеть, кто прочитал?
button-yes = Да
button-no = Нет
broadcast-ask-when = Когда отправить? Нажмите «Сейчас» или напишите дату и время: ДД.ММ.ГГГГ ЧЧ:ММ.
button-send-now = Сейчас
broadcast-preview = Так получатели увидят объявление:
broadcast-confirm = Получателей: { $count }. Отправка: { $when }. Отправить?
button-broadcast-send = ✅ Отправить
broadcast-discarded = Объявление не отправлено.

broadcast-sending =
    ✉ Отправка объявления
    { $bar } { $done } из { $total }
    Доставлено: { $sent }, заблокировали бота: { $blocked }, ошибки: { $failed }{ $ambiguous ->
        [0] {""}
       *[other] , без подтверждения: { $ambiguous }
    }, осталось: { $left }
broadcast-done =
    ✅ Объявление отправлено
    Доставлено: { $sent } из { $total }, заблокировали бота: { $blocked }, ошибки: { $failed }{ $ambiguous ->
        [0] {""}
       *[other] , без подтверждения: { $ambiguous }
    }
    Ознакомились: { $acknowledged }
broadcast-cancelled =
    Отправка остановлена
    Доставлено: { $sent } из { $total }, не отправлено: { $withdrawn }, заблокировали бота: { $blocked }, ошибки: { $failed }{ $ambiguous ->
        [0] {""}
       *[other] , без подтверждения: { $ambiguous }
    }{ $left ->
        [0] {""}
       *[other] , ещё отправляются: { $left }
    }
button-broadcast-cancel = Остановить отправку
button-broadcast-who = Кто не получил или не ознакомился
broadcast-reminder-lead = <b>Напоминание.</b> Пожалуйста, прочитайте объявление и нажмите «{ button-acknowledge }».
button-broadcast-remind = Напомнить не ознакомившимся
button-broadcast-xlsx = 📎 Список получателей (Excel)
broadcast-waiting-title = <b>Ещё не ознакомились или не получили: { $count }</b>
broadcast-not-acknowledged = не ознакомлен
broadcast-everyone-done = Все получатели получили объявление и ознакомились.
broadcast-more = …и ещё { $count }
broadcast-reminded = { $count ->
    [0] Напоминать некому: все уже ответили или ознакомились.
    [one] Напоминание отправится { $count } получателю.
    [few] Напоминание отправится { $count } получателям.
   *[many] Напоминание отправится { $count } получателям.
}
reminder-repeat-ask = Последнее напоминание отправлено { $when }. Отправить ещё одно?
reminder-already-sent = Это напоминание уже отправлено { $when }.
button-reminder-repeat = Отправить ещё раз
when-yesterday = вчера в { $time }
when-today = сегодня в { $time }

button-acknowledge = Ознакомлен
button-acknowledged = Ознакомлен
broadcast-acknowledged = Спасибо, отмечено.

broadcast-sheet-recipients = Получатели
broadcast-col-name = ФИО
broadcast-col-role = Роль
broadcast-col-municipality = Муниципалитет
broadcast-col-school = Школа
broadcast-col-delivery = Доставка
broadcast-col-acknowledged = Ознакомлен

delivery-pending = ожидает отправки
delivery-sending = отправляется
delivery-sent = доставлено
delivery-failed = ошибка доставки
delivery-blocked = заблокировал бота
delivery-dropped = не отправлено
delivery-ambiguous = без подтверждения

error-broadcast-bad-text = Объявление должно содержать текст (до 4000 символов).
error-broadcast-nobody = В выбранной аудитории нет получателей.
error-broadcast-unknown = Объявление не найдено.
error-broadcast-finished = Отправка уже завершена.
error-broadcast-no-acknowledgement = В этом объявлении нет кнопки «Ознакомлен».
error-audience-schools-elsewhere = Школы с кодами { $codes } не относятся к Вашему муниципалитету. Отправьте коды школ Вашего муниципалитета.
error-broadcast-preview = Это предпросмотр: так кнопку увидят получатели. Отметка «Ознакомлен» появится, когда они её нажмут.

audience-schools = Отдельным школам
broadcast-ask-schools = Напишите коды школ через запятую, например: 47001, 47002.
broadcast-unknown-schools = Не найдены школы с кодами: { $codes }. Проверьте коды и отправьте их снова.

audience-unsubmitted = Не отправившим анкету
broadcast-choose-survey = Выберите опрос.

button-broadcast-resend = 🔁 Отправить повторно ({ $count })
broadcast-ambiguous-explained = { $count ->
    [one] { $count } сообщение без подтверждения: бот был перезапущен во время его отправки, и неизвестно, дошло ли оно. Его можно отправить повторно; кто-то может получить его дважды.
    [few] { $count } сообщения без подтверждения: бот был перезапущен во время их отправки, и неизвестно, дошли ли они. Их можно отправить повторно; кто-то может получить их дважды.
   *[many] { $count } сообщений без подтверждения: бот был перезапущен во время их отправки, и неизвестно, дошли ли они. Их можно отправить повторно; кто-то может получить их дважды.
}
broadcast-resent = { $count ->
    [one] Повторно отправится { $count } сообщение.
    [few] Повторно отправятся { $count } сообщения.
   *[many] Повторно отправятся { $count } сообщений.
}
broadcast-nothing-to-resend = Повторно отправлять нечего: ошибок и сообщений без подтверждения нет.
error-broadcast-cancelled = Отправка этого объявления остановлена, повторно его не отправить. Создайте новое объявление в меню: /menu
