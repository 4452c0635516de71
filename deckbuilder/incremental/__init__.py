"""The layer around the pure core: disk caches, forked workers, background saves and the collector."""
