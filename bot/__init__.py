"""The participants bot of the school-support programmes of Leningrad Oblast."""
