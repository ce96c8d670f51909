"""Moving offline feature data into the Redis online store."""
