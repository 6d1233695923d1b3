error-analysis-no-survey = There is no such survey.
