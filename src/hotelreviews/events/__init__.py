"""Events: an outbox of what happened (new reviews per hotel, alerts), written in the same
transaction as the data, and served as a server-sent-events stream with resumption."""
