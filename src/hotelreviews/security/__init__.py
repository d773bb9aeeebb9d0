"""Identities (users and API keys), passwords, tokens, and the policy of every route."""
