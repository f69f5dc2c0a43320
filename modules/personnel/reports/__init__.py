"""Personnel reports: the transfer order (调令), flows, establishment usage, secondments."""
