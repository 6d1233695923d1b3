error-analysis-no-survey = Такого опроса нет.
