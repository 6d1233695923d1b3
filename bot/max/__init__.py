"""The MAX adapter (https://dev.max.ru): the conversation over the `maxapi` client, which
is imported nowhere else. See docs/max.md."""
