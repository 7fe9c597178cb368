from django.urls import path

from approvals.notifications import views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("<int:notification_id>/read/", views.notification_read, name="notification-read"),
    path("<int:notification_id>/open/", views.notification_open, name="notification-open"),
    path("read-all/", views.notification_read_all, name="notifications-read-all"),
    path("settings/", views.notification_settings, name="notification-settings"),
    path("bell/", views.notification_bell, name="notification-bell"),
]
