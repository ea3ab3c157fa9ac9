"""Language-model engines: loading them, generating from the evidence, verifying every sentence."""
