"""The HTTP path of every request: clients, transport retries, validation re-asks, endpoint limits,
the
response cache, recordings and their fingerprints, and the replay server."""
