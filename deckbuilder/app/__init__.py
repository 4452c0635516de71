"""What the commands do, without click: settings, loading, build, check, diff, push, watch."""
