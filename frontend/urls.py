app_name = "frontend"

urlpatterns = []
