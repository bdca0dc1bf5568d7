"""The learner area, mounted at ``/learn/``."""

from django.urls import path

from lms import views
from lms.models import QuizKind

app_name = "lms"

urlpatterns = [
    path("", views.my_learning_view, name="my_learning"),
    path("sign-in/", views.LearnerLoginView.as_view(), name="login"),
    path("sign-out/", views.LearnerLogoutView.as_view(), name="logout"),
    path("set-password/<uidb64>/<token>/", views.SetPasswordView.as_view(), name="set_password"),
    path("courses/", views.catalogue, name="catalogue"),
    path("courses/<str:code>/", views.course_view, name="course"),
    path("courses/<str:code>/enrol/", views.enrol, name="enrol"),
    path("courses/<str:code>/lessons/<uuid:key>/", views.lesson_view, name="lesson"),
    path("courses/<str:code>/lessons/<uuid:key>/complete/", views.lesson_complete, name="lesson_complete"),
    path("courses/<str:code>/pre-test/", views.quiz_view, {"kind": QuizKind.PRE_TEST}, name="pre_test"),
    path("courses/<str:code>/post-test/", views.quiz_view, {"kind": QuizKind.POST_TEST}, name="post_test"),
    path(
        "courses/<str:code>/modules/<int:number>/quiz/", views.quiz_view, {"kind": QuizKind.MODULE}, name="module_quiz"
    ),
    path("attempts/<int:pk>/", views.attempt_view, name="attempt"),
    path("attempts/<int:pk>/submit/", views.attempt_submit, name="attempt_submit"),
    path("manage/enrol/", views.bulk_enrol, name="bulk_enrol"),
    path("records/statements.jsonl", views.statements_export, name="statements_export"),
]
