"""What Navigator writes down: the audit log and officers' feedback."""
