error-analysis-no-survey = Такого опроса нет.

## The workbook and CSV files

analysis-region = Вся область
analysis-total = Итого
analysis-yes = Да
analysis-no = Нет
analysis-sheet-parameters = Параметры
analysis-sheet-rates-municipalities = Отклики по муниципалитетам
analysis-sheet-rates-schools = Отклики по школам
analysis-sheet-distributions = Распределения ответов
analysis-sheet-texts = Свободные ответы
analysis-sheet-engagement = Индекс вовлечённости
analysis-sheet-low = Низкая вовлечённость
analysis-sheet-comparison = Директор и куратор
analysis-sheet-rounds = Раунды
analysis-param-survey = Опрос
analysis-param-code = Код опроса
analysis-param-round = Раунд
analysis-param-window = Сроки опроса
analysis-param-scope = Территория
analysis-param-period = Период индекса вовлечённости
analysis-param-weights = Веса составляющих индекса
analysis-param-threshold = Порог низкой вовлечённости (из 100)
analysis-param-anonymised = Обезличено (без ФИО)
analysis-col-parameter = Параметр
analysis-col-value = Значение
analysis-col-municipality = Муниципалитет
analysis-col-school-code = Код школы
analysis-col-school = Школа
analysis-col-expected = Ожидается
analysis-col-submitted = Отправлено
analysis-col-in-progress = В процессе
analysis-col-not-started = Не начато
analysis-col-unattended = Некому отвечать (школ)
analysis-col-rate = Доля отправивших
analysis-col-submitted-at = Отправлено (дата)
analysis-col-deadline = Срок
analysis-col-respondents = Кто отвечал
analysis-col-question = Вопрос
analysis-col-answered = Ответили
analysis-col-option = Вариант ответа
analysis-col-count = Количество
analysis-col-share = Доля
analysis-col-mean = Среднее
analysis-col-median = Медиана
analysis-col-stdev = Станд. отклонение
analysis-col-min = Мин.
analysis-col-max = Макс.
analysis-col-author = Автор
analysis-col-text = Ответ
analysis-col-index = Индекс
analysis-col-low = Ниже порога
analysis-col-pulls-down = Что снижает индекс
analysis-col-place = Место
analysis-col-directors = Директор
analysis-col-curators = Куратор(ы)
analysis-col-gap = Разница
analysis-col-flagged = Расхождение
analysis-col-indicator = Показатель
analysis-col-round = Раунд { $number }
analysis-col-change = Изменение
analysis-component-surveys = Опросы
analysis-component-timeliness = Своевременность
analysis-component-events = Совещания и вебинары
analysis-component-acknowledgements = Ознакомление
analysis-component-of = { $component }: { $done } из { $expected }

## Charts

analysis-chart-rates = Доля отправивших ответ: { $survey }, раунд { $round }
analysis-chart-engagement = Индекс вовлечённости (порог { $threshold })

analysis-caption-rates = Доля отправивших анкету из тех, кто должен ответить, по муниципалитетам. { $unit ->
    [person] Считаются зарегистрированные участники.
   *[other] Школы, за которые некому отвечать, не учитываются.
}
analysis-caption-shares = Распределение ответов на вопрос по муниципалитетам: доли от ответивших, в сумме 100 %.
analysis-caption-multi = Доля ответивших, отметивших каждый вариант. Можно было выбрать несколько вариантов, поэтому сумма по строке может быть больше 100 %.
analysis-caption-mean = Средний ответ на вопрос по муниципалитетам.
analysis-caption-engagement = { $scope ->
    [region] Средний индекс вовлечённости школ по муниципалитетам
   *[other] Индекс вовлечённости школ муниципалитета, сначала самые низкие (не более { $shown })
} за { $days } дн. Пунктир — порог низкой вовлечённости ({ $threshold } из 100).

## In the bot

menu-analytics = 📊 Аналитика
analysis-title = 📊 <b>Аналитика</b>
    Выберите раунд опроса — покажу, кто ответил, распределения ответов и выгрузку в Excel. Индекс вовлечённости школ — отдельной кнопкой.
analysis-none = 📊 Пока ни один опрос не открывался. Индекс вовлечённости школ доступен по кнопке ниже.
analysis-button-round = { $title } — раунд { $round }
analysis-button-rates = 📈 Отклики
analysis-button-question = 📊 Вопрос
analysis-button-index = 📉 Индекс вовлечённости
analysis-button-low = ⚠️ Низкая вовлечённость
analysis-button-xlsx = 📎 Excel
analysis-button-anonymised = 📎 Excel без ФИО
analysis-button-csv = 📎 CSV
analysis-button-back = ← Назад
analysis-button-days = { $days } дн.
analysis-card = 📊 <b>{ $title }</b>, раунд { $round }
    Территория: { $scope }
    Срок: { $deadline }

    Отправили ответ: { $submitted } из { $expected } ({ $share })
    В процессе: { $in_progress }, не начали: { $not_started }
analysis-card-unattended = Некому отвечать — { $unit ->
    [curator_school] не назначен куратор
   *[other] не зарегистрирован директор
}: { $count } { $count ->
    [one] школа
    [few] школы
   *[many] школ
} (в расчёт доли не входят)
analysis-card-previous = В раунде { $round } ответили: { $share }
analysis-card-lowest = Меньше всего ответов: { $places }
analysis-card-highest = Больше всего ответов: { $places }
analysis-card-waiting = Ещё не отправили: { $schools }{ $more ->
    [0] {""}
   *[other] {" "}и ещё { $more }
}
analysis-questions = Выберите вопрос — пришлю диаграмму по муниципалитетам.
analysis-no-data = Для диаграммы пока нет данных: на этот вопрос ещё никто не ответил.
analysis-no-data-rates = Для диаграммы пока нет данных: в опросе некому отвечать — не зарегистрированы те, кого он спрашивает.
analysis-no-data-index = Индекс вовлечённости за этот период не рассчитан: школам ничего не предлагалось (не было совещаний, закрытых опросов и объявлений с «Ознакомлен») или в школах не зарегистрированы директора.
analysis-low-title = ⚠️ <b>Низкая вовлечённость</b> — индекс ниже { $threshold } за { $days } дн. ({ $scope }):
analysis-low-line = { $place }. { $school } ({ $municipality }) — { $index }. { $weak }
analysis-low-unattended = Без зарегистрированного директора, индекс не рассчитывается — { $count } { $count ->
    [one] школа
    [few] школы
   *[many] школ
}: { $schools }{ $more ->
    [0] {""}
   *[other] {" "}и ещё { $more }
}
analysis-low-none = Школ с низкой вовлечённостью за этот период нет.
analysis-low-more = …и ещё { $more_count }. Полный список — в Excel.
analysis-file-caption = 📎 { $title }, раунд { $round }. Индекс вовлечённости — за { $days } дн.
error-analysis-no-question = Такого вопроса в опросе нет. Откройте список вопросов заново.
