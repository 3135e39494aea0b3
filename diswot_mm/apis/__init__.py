"""What the tools call (the top layer, as mmpretrain's ``apis``): config
loading, a search or a training run with the tools' command-line settings,
the closing lines a user reads. :mod:`.cli`."""
