# Common messages of the bot.

start-welcome =
    Hello! This is the bot for participants of the school-support programmes of Leningrad Oblast ("500+", "School of the Ministry of Education of Russia" and others).

    Here you will get reminders of organisational meetings and webinars, answer questionnaires and receive announcements from coordinators.

    Commands: /help

help-text =
    <b>What the bot can do</b>

    /start — get started
    /menu — main menu
    /surveys — questionnaires
    /schedule — my schedule
    /me — my data
    /link — link with your account on another messenger (a code from /me)
    /forget — delete my data
    /lang — interface language (Русский or English)
    /cancel — cancel the current action
    /help — this help

lang-choose = Choose the interface language.
lang-set = ✅ Interface language: English.
lang-unknown = There is no such language. Press «Русский» or «English», or send /cancel.
lang-name-ru = Русский
lang-name-en = English

cancel-done = Cancelled. Commands: /help
cancel-nothing = There is nothing to cancel. Commands: /help
wizard-interrupted = Filling in stopped.

fallback-text = I did not understand that message. Choose a command from the menu or send /help.
fallback-command = There is no such command. Commands: /help
fallback-callback = This button no longer works. Open the menu again: /menu
error-apology = Something went wrong, and we are looking into it. Please try again a little later.

# Groups and channels: others could read the answers there.
private-only = I work in private messages only: here everyone in the chat would see my answers. Write to me privately and send /start.
private-only-button = Buttons work only in a private chat with the bot. Write to me privately and send /menu.

cmd-start = Get started
cmd-help = Help
cmd-lang = Interface language
cmd-cancel = Cancel the action
cmd-menu = Main menu
cmd-me = My data
cmd-requests = Requests to join
cmd-forget = Delete my data

# Start-up failures the operator fixes: one line in the terminal or the service log.
startup-database-unavailable = The bot did not start: the database { $database } does not answer ({ $reason }). Check DATABASE_URL and that the database server is running.
startup-token-rejected = The bot did not start: Telegram did not accept the token. Check BOT_TOKEN or get a new one from @BotFather.
startup-max-token-rejected = The bot did not start: MAX did not accept the token. Check MAX_TOKEN or get a new one on the MAX platform for partners.
startup-max-ca-file = The bot did not start: the certificate file MAX_CA_FILE { $file } is missing or holds no PEM certificate.

## Files kept for every messenger
file-too-large = The file is larger than { $limit } MB: the bot cannot take it. Send a smaller file (or a link to it in the text), or go back to /menu.
file-missing = 📎 The file of this message was sent before MAX was connected and is not here. If you need it, ask the coordinator for it.
error-file-too-large = The file is larger than { $limit } MB: the bot cannot take it.
