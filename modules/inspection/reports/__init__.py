"""The inspection module's documents (审理报告, 税务处理决定书, 税务行政处罚决定书), built for
the platform's PDF pipeline (zhengtong.reports) and declared in the manifest (``reports=``)."""
