"""The conversation's steps, one module per feature: each reads what the person sent
(a `Turn`), calls a service, and shows the result as screens. Messenger-independent:
an adapter (bot/telegram) turns the routes of `handlers.features` into its own
dispatching."""
