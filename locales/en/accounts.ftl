## One person on several messengers: /me and /link
channel-telegram = Telegram
channel-max = MAX
profile-accounts = Messengers: { $accounts }
profile-account-here = { $channel } (this chat)
profile-contact = The bot's messages come to { $channel }.
button-link-account = Link another messenger
button-receive-in = Receive messages in { $channel }
button-unlink = Unlink { $channel }
button-unlink-yes = Unlink
link-code =
    Your code: <code>{ $code }</code>
    Open the bot in { $channel } and send it: <code>/link { $code }</code>
    The code works for { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }, once. Do not share it with anyone.
link-all-linked = Every messenger of the bot is already linked to your data. Your data: /me
link-ask-code = Send the code from the other messenger. The bot gives it there: /me → «Link another messenger». Cancel: /cancel
link-done = ✅ Account linked. The bot now knows you in { $channel } too: your role, schools and answers are shared. Your data: /me
link-notice = An account in { $channel } was linked to your data. If it was not you, unlink it in /me and tell your municipal coordinator.
link-unlink-sure = Unlink the account in { $channel }? The bot will no longer know you there. Your role, schools and answers stay with you.
link-unlinked = ✅ The account in { $channel } is unlinked.
link-preferred = The bot's messages will come to { $channel }.
error-link-code-unknown = No such code. Check it and send it again. Cancel: /cancel
error-link-code-used = This code has been used. Get a new one in the other messenger: /me → «Link another messenger». Main menu: /menu
error-link-code-expired = This code has expired. Get a new one in the other messenger: /me → «Link another messenger». Main menu: /menu
error-link-too-many-attempts = Too many wrong codes. Try again in { $minutes } { $minutes ->
        [one] minute
       *[other] minutes
    }. Main menu: /menu
error-link-already-yours = This account is already linked to your data. Your data: /me
error-link-channel-taken = You already have an account in { $channel ->
        [max] MAX
       *[telegram] Telegram
    }. A second account in the same messenger cannot be linked. Your data: /me
error-link-registered-separately = This account is already registered separately. Please contact your municipal coordinator. Main menu: /menu
error-link-make-code-here = This account is registered, and the one where you got the code is not. Get a code here: /me → «Link another messenger», and send it to the bot in the other messenger.
error-link-last-account = This is your only account; it cannot be unlinked. To delete your data: /forget
error-link-no-account = You have no such account. Your data: /me
