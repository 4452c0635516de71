"""Identity: the lock file and resolve(), the only place that assigns GUIDs and change times."""
