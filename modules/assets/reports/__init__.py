"""The assets module's PDF reports, declared in its manifest (``reports=``)."""
