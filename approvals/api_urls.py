from django.urls import path

from approvals import api

urlpatterns = [
    path("cycles/", api.CycleList.as_view(), name="api-cycles"),
    path("cycles/<int:pk>/workflow/", api.CycleWorkflow.as_view(), name="api-workflow"),
    path("cycles/<int:pk>/advance/", api.CycleAdvance.as_view(), name="api-advance"),
    path("cycles/<int:pk>/send-back/", api.CycleSendBack.as_view(), name="api-send-back"),
    path("cycles/<int:pk>/approve/", api.CycleApprove.as_view(), name="api-approve"),
    path("cycles/<int:pk>/snapshot/", api.CycleSnapshot.as_view(), name="api-snapshot"),
]
