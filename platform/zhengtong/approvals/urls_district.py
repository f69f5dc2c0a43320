app_name = "district_approvals"
urlpatterns: list = []
