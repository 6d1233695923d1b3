"""Files made from service results: the analysis workbook and CSV files
(`analysis`), its charts (`charts`), the recipients of an announcement (`recipients`), and
the cells every file the bot writes goes through (`safe_cells`).

The services keep the domain and return values; these modules only turn such values into
bytes. Nothing is imported here, so that a service writing a file of its own (the schools
export) takes `safe_cells` without loading matplotlib for the charts.
"""
