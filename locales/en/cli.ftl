# The operator's command line: python -m bot … (bot/cli.py, bot/cli_events.py, bot/cli_report.py).

## argparse's own words (bot/cli.py, ARGPARSE_WORDS)
cli-argparse-usage = usage:
cli-argparse-positionals = positional arguments
cli-argparse-options = options
cli-argparse-help = show this help message and exit
cli-argparse-error = %(prog)s: error: %(message)s
cli-argparse-argument = argument %(argument_name)s: %(message)s
cli-argparse-required = the following arguments are required: %s
cli-argparse-unrecognized = unrecognized arguments: %s
cli-argparse-expected-one = expected one argument
cli-argparse-invalid-choice = invalid choice: %(value)r (choose from %(choices)s)
cli-argparse-invalid-value = a whole number is needed, not %(value)r
cli-argparse-ambiguous = ambiguous option: %(option)s could match %(matches)s

## placeholders in the help
cli-metavar-command = COMMAND
cli-metavar-action = ACTION
cli-metavar-file = FILE
cli-metavar-code = CODE
cli-metavar-survey = SURVEY_CODE
cli-metavar-id = ID
cli-metavar-number = NUMBER
cli-metavar-folder = DIR
cli-metavar-when = "DD.MM.YYYY HH:MM"
cli-metavar-day = DD.MM.YYYY
cli-metavar-time = HH:MM
cli-metavar-link = URL
cli-metavar-role = ROLE
cli-metavar-municipality = MUNICIPALITY
cli-metavar-locale = LOCALE

## help texts
cli-description = The bot of the school-support programmes of Leningrad Oblast, and the operator's commands.
cli-help-locale = output language: ru or en (default: DEFAULT_LOCALE)
cli-help-run = apply migrations, then poll or serve the webhook (the default)
cli-help-migrate = apply pending database migrations and exit
cli-help-check = validate the settings and the database connection
cli-help-schools = the school directory
cli-help-schools-import = check a CSV/XLSX file of schools (with --apply, write it)
cli-help-schools-apply = write the changes
cli-help-schools-export = write the directory to a CSV/XLSX file
cli-help-schools-archive = a school leaves the programme
cli-help-school-code = the school's code
cli-help-invite = invite codes
cli-help-invite-create = create an invite code and its deep link
cli-help-invite-role = the role: director, curator, municipal_coordinator, regional_coordinator, admin
cli-help-invite-school = a school code (repeat it for a curator's several schools)
cli-help-invite-municipality = a municipality's name or code
cli-help-invite-uses = how many people may use it (0: unlimited)
cli-help-invite-days = days until it expires
cli-help-invite-list = invites still usable (the codes themselves are not kept)
cli-help-invite-revoke = make an invite unusable
cli-help-invite-id = the invite's number from the list
cli-help-events = meetings and webinars
cli-help-events-list = what is scheduled in the coming weeks
cli-help-events-series = set the organisational meetings (1st and 3rd Monday)
cli-help-events-link = the meeting link
cli-help-events-time = local start time, HH:MM
cli-help-events-duration = minutes
cli-help-events-import = webinars from a CSV/XLSX file
cli-help-events-apply = create the webinars
cli-help-events-move = move one event (its audience is told)
cli-help-events-to = the new local start: DD.MM.YYYY HH:MM or YYYY-MM-DD HH:MM
cli-help-events-cancel = cancel one event (its audience is told)
cli-help-event-id = the event's number from the list
cli-help-survey = survey definitions and windows
cli-help-survey-load = load or update a YAML definition, or a shipped template by its name
cli-help-survey-open = open the survey's answer window
cli-help-survey-code = the survey's code
cli-help-survey-closes = local end: DD.MM.YYYY HH:MM or YYYY-MM-DD HH:MM
cli-help-survey-opens = local start (default: now)
cli-help-survey-new-round = start the next round (fresh responses) instead of reopening the last one
cli-help-survey-close = close the window now
cli-help-survey-list = surveys with their windows and responses
cli-help-report = the analysis of a survey: Excel workbook, CSV files, charts
cli-help-report-out = the folder to write into
cli-help-report-round = the round (default: the latest)
cli-help-report-from = engagement period start: DD.MM.YYYY or YYYY-MM-DD
cli-help-report-to = engagement period end (inclusive): DD.MM.YYYY or YYYY-MM-DD
cli-help-report-anonymised = no names of people

## dates typed at the command line (bot/services/dates.py)
error-bad-moment = Cannot read the date and time "{ $value }". Write them as DD.MM.YYYY HH:MM (e.g. 20.12.2026 18:00) or YYYY-MM-DD HH:MM (e.g. 2026-12-20 18:00).
error-bad-day = Cannot read the date "{ $value }". Write it as DD.MM.YYYY (e.g. 20.12.2026) or YYYY-MM-DD (e.g. 2026-12-20).

## settings, migrate, check
cli-missing-token = No bot token is set, neither BOT_TOKEN (Telegram) nor MAX_TOKEN (MAX): create a bot with @BotFather in Telegram (/newbot) or on the MAX platform for partners, then put its token in .env or the environment as BOT_TOKEN=… or MAX_TOKEN=…
cli-webhook-needs-token = MODE=webhook needs BOT_TOKEN: it is the Telegram mode. For MAX, set MAX_WEBHOOK_URL and HTTP_PORT, or remove MODE=webhook.
cli-migrated = Database { $database } migrated: schema revision { $revision }.
cli-migrate-nothing = Database { $database } is already at schema revision { $revision }. Nothing to do.
cli-check-mode-polling = Mode: the bot polls for updates (MODE=polling)
cli-check-mode-webhook = Mode: updates come to WEBHOOK_URL (MODE=webhook)
cli-check-token-set = Bot token: set
cli-check-token-missing = Bot token: NOT SET. { cli-missing-token }
cli-check-telegram-off = Telegram: off (BOT_TOKEN is not set); the bot runs on MAX (MAX_TOKEN is set).
cli-check-api = Bot API server: { $url }
cli-check-telegram-bot = Bot in Telegram: @{ $username }
cli-check-telegram-refused = Telegram REFUSED the token. Check BOT_TOKEN: @BotFather gives it.
cli-check-telegram-unreachable = Telegram UNREACHABLE: no connection to { $url }. Check the server's network and TELEGRAM_API_BASE.
cli-check-telegram-timeout = Telegram did not answer within { $seconds } s ({ $url }). Check the server's network and run the check again.
cli-check-max-api = MAX Bot API server: { $url }
cli-check-max-bot = Bot on MAX: { $name } (https://max.ru/{ $name })
cli-check-max-refused = MAX REFUSED the token. Check MAX_TOKEN: the MAX platform for partners gives it.
cli-check-max-unreachable = MAX UNREACHABLE: no connection to { $url }. Check the server's network and MAX_API_BASE.
cli-check-max-timeout = MAX did not answer within { $seconds } s ({ $url }). Check the server's network and run the check again.
cli-check-max-error = MAX answered with error { $code } ({ $url }). Run the check again later.
cli-check-max-certificate = MAX's server certificate FAILED verification ({ $url }). Put the Russian Trusted Root CA (from Gosuslugi) in MAX_CA_FILE: https://www.gosuslugi.ru/crt
cli-check-max-ca-file = The certificate file MAX_CA_FILE { $file } is not found or holds no PEM certificate.
cli-check-zone = Time zone: { $zone }; default locale: { $language }
cli-check-admins = Admins in ADMIN_IDS: { $count }
cli-check-max-admins = Admins in MAX_ADMIN_IDS: { $count }
cli-check-fsm-redis = Conversation state: Redis (REDIS_URL)
cli-check-fsm-database = Conversation state: the database
cli-check-database = Database: { $database }
cli-check-data-dir = Data folder (the default SQLite database): { $folder }
cli-check-database-unavailable = Database UNAVAILABLE: { $reason }
cli-check-schema-current = Schema: revision { $revision }, up to date.
cli-check-schema-behind = Schema: revision { $revision }, { $head } is available. Apply it: python -m bot migrate
cli-check-schema-empty = Schema: not created yet (revision { $head } is available). Create it: python -m bot migrate

## files
cli-file-missing = File { $file } not found.
cli-file-denied = No permission to access { $file }.
cli-file-unreadable = Cannot read { $file }.
cli-file-unwritable = Cannot write { $file }.

## schools
cli-schools-exported = The school directory is written to { $file }.
cli-schools-archived = School { $code } ({ $name }) has left the programme.
cli-import-has-errors = Nothing written: fix the errors in the file and run the command again.
cli-import-dry-run = Nothing written yet. To write these changes, run the command again with --apply.

## invites
cli-invite-none = No usable invites. A new one: python -m bot invite create
cli-invite-line = { $id }. { $role }; { $limit ->
    [0] used { $uses }, unlimited
   *[other] used { $uses } of { $limit }
    }; valid until { $until }; { $scope }
cli-invite-scope-schools = { $count ->
    [1] school
   *[other] schools
    }: { $schools }
cli-invite-scope-municipality = municipality: { $municipality }
cli-invite-scope-region = the whole region
cli-invite-school = { $code } "{ $name }"
cli-invite-school-gone = school no. { $id } removed from the directory
cli-invite-revoked = Invite { $id } revoked.
cli-invite-revoke-unknown = There is no usable invite { $id }. The usable ones: python -m bot invite list
cli-invite-unknown-municipality = Municipality "{ $name }" not found. Give its name or code as in the directory.
cli-invite-unknown-schools = { $count ->
    [1] Unknown school code
   *[other] Unknown school codes
    }: { $codes }. The codes are in the directory: python -m bot schools export FILE
cli-invite-code = Invite code: { $code }
cli-invite-link = Link: { $link }
cli-invite-link-unknown = Link: https://t.me/<bot username>?start={ $code } (the bot's username is unknown: set BOT_USERNAME).
cli-invite-link-max = Link on MAX: { $link }
cli-invite-link-max-unknown = No link on MAX: MAX did not answer when asked for the bot's name. The code { $code } can be typed in the bot on MAX.
cli-invite-expires = Valid until { $when }.

## surveys
cli-survey-file-refused = The survey file { $file } is not accepted:
cli-survey-opened = Survey { $code }, round { $round }: open until { $closes }.
cli-survey-opens-later = Survey { $code }, round { $round }: opens { $opens }, open until { $closes }.
cli-survey-closed = Survey { $code } closed.
cli-survey-none = No surveys. Load one: python -m bot survey load FILE
cli-survey-line = { $code }: round { $round }, version { $version }, { $status }{ $window }; in progress: { $in_progress }, submitted: { $submitted }

## meetings and webinars
cli-events-series = "{ $title }": the 1st and 3rd Monday of the month at { $time }. { $created ->
    [0] No new meetings scheduled: all are already planned.
   *[other] Scheduled: { $created }.
    }
cli-events-none = Nothing is scheduled for the next { $weeks ->
    [one] { $weeks } week
   *[other] { $weeks } weeks
    }.
cli-events-line = { $id }. { $when } — { $kind }{ $cancelled }: { $title }{ $holiday }
cli-event-holiday-mark = {" "}⚠ public holiday, a day off: { $holiday }
cli-events-holidays = Meetings on public holidays: { $count }. Two weeks before each, the bot will ask the coordinators to move or cancel it.
cli-event-kind-meeting = meeting
cli-event-kind-webinar = webinar
cli-event-cancelled-mark = {" "}(cancelled)
cli-events-moved = Event { $id } moved to { $when }. Notices to participants: { $told }.
cli-events-cancelled = Event { $id } cancelled. Notices to participants: { $told }.
cli-events-import-row = Row { $row }: { $when }, "{ $title }"
cli-events-import-dry-run = { $count ->
    [one] { $count } webinar in the file.
   *[other] { $count } webinars in the file.
    } Nothing written yet. To create them, run the command again with --apply.
cli-events-imported = Webinars created: { $count }.

## report
cli-report-summary = Survey { $code }, round { $round }: { $submitted } of { $expected } submitted ({ $share }); low-engagement schools: { $low }.
cli-report-files = Files written:

## invalid settings (bot/settings.py: setting-<kind> of its checks, or pydantic's error type)
cli-bad-setting = Invalid setting { $name }: { $reason }
cli-bad-settings = Invalid settings: { $reason }
setting-bad-token = does not look like a token from @BotFather (digits:characters)
setting-bad-username = must be the bot's username from @BotFather, e.g. school_help_bot
setting-bad-database = must start with sqlite+aiosqlite:// or postgresql+asyncpg://
setting-bad-zone = unknown time zone { $zone } (e.g. Europe/Moscow)
setting-bad-locale = must be one of: { $locales }
setting-bad-admins = must be Telegram user ids separated by commas
setting-bad-max-admins = must be MAX user ids separated by commas
setting-bad-offsets = must be durations like 24h,1h,30m
setting-bad-weights = must be like surveys=0.3,events=0.4
setting-bad-weight-values = weights must be non-negative, and not all zero
setting-unknown-components = unknown components { $unknown }; known: { $known }
setting-bad-log-level = must be DEBUG, INFO, WARNING, ERROR or CRITICAL
setting-bad-webhook-secret = must be 1-256 characters: letters, digits, _ and -
setting-backup-needs-sqlite = BACKUP_DIR copies SQLite only; back PostgreSQL up with pg_dump (docs/deploy.md)
setting-http-port-is-webhook-port = HTTP_PORT must differ from WEBHOOK_PORT: the webhook server already serves /healthz and /metrics, so HTTP_PORT may stay unset
setting-leader-renew-within-lease = LEADER_RENEW_SECONDS must be shorter than LEADER_LEASE_SECONDS: the leader renews its lease before it runs out
setting-webhook-incomplete = MODE=webhook needs { $names }
setting-bad-max-token = does not look like a token from the MAX platform for partners
setting-bad-max-webhook-secret = must be 5-256 characters: letters, digits, _ and -
setting-max-webhook-incomplete = MAX_WEBHOOK_URL needs { $names }
setting-max-webhook-unserved = MAX_WEBHOOK_URL needs a web server: MODE=webhook (with the Telegram webhook) or HTTP_PORT
setting-max-webhook-path = MAX_WEBHOOK_URL and WEBHOOK_URL must have different paths: one server serves both
setting-int_parsing = must be a whole number, not "{ $value }"
setting-float_parsing = must be a number, not "{ $value }"
setting-bool_parsing = must be one of true, false, 1, 0, not "{ $value }"
setting-greater_than = must be greater than { $gt }
setting-greater_than_equal = must be at least { $ge }
setting-less_than = must be less than { $lt }
setting-less_than_equal = must be at most { $le }
setting-url_parsing = must be an address like https://example.org, not "{ $value }"
setting-url_scheme = must start with http:// or https://
setting-enum = invalid value "{ $value }"
setting-invalid = invalid value

## backup and restore (bot/cli_backup.py)
cli-help-backup = write a copy of the embedded (SQLite) database to a file (the bot may be running)
cli-help-restore = restore the embedded (SQLite) database from a copy (stop the bot first)
cli-help-restore-yes = do not ask for confirmation
cli-backup-done = A copy of database { $database } was written to { $file }.
cli-backup-no-database = Database { $database } does not exist yet: nothing to copy.
cli-backup-failed = The copy failed: database { $database } was busy for over 30 seconds, or is damaged.
cli-backup-postgresql = Database { $database } runs on PostgreSQL. Copy it with pg_dump: { $command }
cli-restore-postgresql = Database { $database } runs on PostgreSQL. Restore it with pg_restore: { $command }
cli-restore-refused-not-sqlite = { $file } is not a SQLite database. Nothing was changed.
cli-restore-refused-not-ours = { $file } is a database, but not this bot's. Nothing was changed.
cli-restore-refused-damaged = { $file } is damaged. Nothing was changed.
cli-restore-refused-newer = { $file } was made by a newer version of the bot (schema { $revision }). Upgrade the bot and try again. Nothing was changed.
cli-restore-confirm = Database { $database } will be replaced with the copy { $file }. The bot must be stopped. Continue? Type "yes":
cli-restore-cancelled = Restore cancelled. Nothing was changed.
cli-restore-done = Database { $database } restored from { $file }: schema { $revision }.
cli-restore-kept = The previous database was kept in { $file }.
## Why the database did not answer (storage.db.failure_kind)
database-refused = the server refuses connections: it is not running, or the address is wrong
database-unknown-host = no server has that name
database-timeout = the server did not answer in time
database-auth = the server refused the user name or password
database-no-database = the server has no such database
database-unreadable-file = the database file cannot be opened: check the path and permissions
database-other = the database driver says: { $reason }
