from django.urls import path

from . import views

app_name = "property"

urlpatterns = [
    path("", views.board, name="board"),
    path("report/", views.report, name="report"),
    path("report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
    path("survey/", views.survey_page, name="survey"),
    path("estates/<int:estate_id>/survey/", views.estate_survey, name="estate_survey"),
    path("contracts/", views.contracts, name="contracts"),
    path("contracts/new/", views.contract_new, name="contract_new"),
    path("contracts/<int:contract_id>/end/", views.contract_end, name="contract_end"),
    path("contracts/<int:contract_id>/credit/", views.credit_new, name="credit_new"),
    path("rectifications/", views.rectifications, name="rectifications"),
    path("estates/<int:estate_id>/panel/", views.panel, name="panel"),
    path("estates/<int:estate_id>/", views.estate, name="estate"),
    path("estates/<int:estate_id>/inspect/", views.inspect, name="inspect"),
    path("contracts/<int:contract_id>/publish/", views.publish, name="publish"),
    path("contracts/<int:contract_id>/joint/", views.joint_meeting, name="joint"),
    path("scores/<int:score_id>/object/", views.object_to, name="object"),
    path("companies/<int:company_id>/", views.company, name="company"),
    path("credit/<int:event_id>/respond/", views.respond, name="respond"),
    path("credit/<int:event_id>/<str:credit_act>/", views.decide, name="decide"),
    path("rectifications/<int:rect_id>/", views.rectification, name="rectification"),
]
