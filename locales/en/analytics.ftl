error-analysis-no-survey = There is no such survey.

## The workbook and CSV files

analysis-region = The whole region
analysis-total = Total
analysis-yes = Yes
analysis-no = No
analysis-sheet-parameters = Parameters
analysis-sheet-rates-municipalities = Responses by municipality
analysis-sheet-rates-schools = Responses by school
analysis-sheet-distributions = Answer distributions
analysis-sheet-texts = Free-text answers
analysis-sheet-engagement = Engagement index
analysis-sheet-low = Low engagement
analysis-sheet-comparison = Director and curator
analysis-sheet-rounds = Rounds
analysis-param-survey = Survey
analysis-param-code = Survey code
analysis-param-round = Round
analysis-param-window = Survey window
analysis-param-scope = Area
analysis-param-period = Engagement index period
analysis-param-weights = Weights of the index components
analysis-param-threshold = Low engagement threshold (of 100)
analysis-param-anonymised = Anonymised (no names)
analysis-col-parameter = Parameter
analysis-col-value = Value
analysis-col-municipality = Municipality
analysis-col-school-code = School code
analysis-col-school = School
analysis-col-expected = Expected
analysis-col-submitted = Submitted
analysis-col-in-progress = In progress
analysis-col-not-started = Not started
analysis-col-unattended = Nobody to answer (schools)
analysis-col-rate = Response rate
analysis-col-submitted-at = Submitted at
analysis-col-deadline = Deadline
analysis-col-respondents = Answered by
analysis-col-question = Question
analysis-col-answered = Answered
analysis-col-option = Option
analysis-col-count = Count
analysis-col-share = Share
analysis-col-mean = Mean
analysis-col-median = Median
analysis-col-stdev = Std. deviation
analysis-col-min = Min
analysis-col-max = Max
analysis-col-author = Author
analysis-col-text = Answer
analysis-col-index = Index
analysis-col-low = Below threshold
analysis-col-pulls-down = What pulls the index down
analysis-col-place = Rank
analysis-col-directors = Director
analysis-col-curators = Curator(s)
analysis-col-gap = Gap
analysis-col-flagged = Divergence
analysis-col-indicator = Indicator
analysis-col-round = Round { $number }
analysis-col-change = Change
analysis-component-surveys = Surveys
analysis-component-timeliness = Timeliness
analysis-component-events = Meetings and webinars
analysis-component-acknowledgements = Acknowledgements
analysis-component-of = { $component }: { $done } of { $expected }

## Charts

analysis-chart-rates = Response rate: { $survey }, round { $round }
analysis-chart-engagement = Engagement index (threshold { $threshold })

analysis-caption-rates = The share who submitted, of those expected to answer, by municipality. { $unit ->
    [person] Registered participants are counted.
   *[other] Schools nobody can answer for are left out.
}
analysis-caption-shares = The answers to the question by municipality: shares of those who answered, adding up to 100%.
analysis-caption-multi = The share of respondents who picked each option. Several options could be picked, so a row may add up to more than 100%.
analysis-caption-mean = The mean answer to the question by municipality.
analysis-caption-engagement = { $scope ->
    [region] The mean engagement index of schools by municipality
   *[other] The engagement index of the municipality's schools, lowest first (at most { $shown })
} over { $days } days. The dashed line is the low-engagement threshold ({ $threshold } of 100).

## In the bot

menu-analytics = 📊 Analysis
analysis-title = 📊 <b>Analysis</b>
    Choose a survey round: who has answered, the answers, an Excel export. The schools' engagement index has its own button.
analysis-none = 📊 No survey has been opened yet. The schools' engagement index is under the button below.
analysis-button-round = { $title } — round { $round }
analysis-button-rates = 📈 Responses
analysis-button-question = 📊 Question
analysis-button-index = 📉 Engagement index
analysis-button-low = ⚠️ Low engagement
analysis-button-xlsx = 📎 Excel
analysis-button-anonymised = 📎 Excel without names
analysis-button-csv = 📎 CSV
analysis-button-back = ← Back
analysis-button-days = { $days } days
analysis-card = 📊 <b>{ $title }</b>, round { $round }
    Area: { $scope }
    Deadline: { $deadline }

    Submitted: { $submitted } of { $expected } ({ $share })
    In progress: { $in_progress }, not started: { $not_started }
analysis-card-unattended = Nobody to answer — { $unit ->
    [curator_school] no curator assigned
   *[other] no director registered
}: { $count } { $count ->
    [one] school
   *[other] schools
} (not counted in the share)
analysis-card-previous = Round { $round } response rate: { $share }
analysis-card-lowest = Fewest answers: { $places }
analysis-card-highest = Most answers: { $places }
analysis-card-waiting = Not submitted yet: { $schools }{ $more ->
    [0] {""}
   *[other] {" "}and { $more } more
}
analysis-questions = Choose a question: I will send a chart by municipality.
analysis-no-data = Nothing to chart yet: nobody has answered this question.
analysis-no-data-rates = Nothing to chart yet: nobody the survey asks is registered.
analysis-no-data-index = No engagement index for this period: nothing was asked of the schools (no meetings, closed surveys or announcements with “Acknowledged”), or their directors are not registered.
analysis-low-title = ⚠️ <b>Low engagement</b>: index below { $threshold } over { $days } days ({ $scope }):
analysis-low-line = { $place }. { $school } ({ $municipality }) — { $index }. { $weak }
analysis-low-unattended = No director registered, so no index — { $count } { $count ->
    [one] school
   *[other] schools
}: { $schools }{ $more ->
    [0] {""}
   *[other] {" "}and { $more } more
}
analysis-low-none = No low-engagement schools in this period.
analysis-low-more = …and { $more_count } more. The full list is in the Excel file.
analysis-file-caption = 📎 { $title }, round { $round }. Engagement index over { $days } days.
error-analysis-no-question = The survey has no such question. Open the list of questions again.
