from django.urls import path

from .views import challenges, consultations, contributions, ideas, reuses

app_name = "participation"

IDEA = "challenges/<slug:name>/ideas/<uuid:idea_id>/"
CONSULTATION = "challenges/<slug:name>/consultations/<uuid:consultation_id>/"

urlpatterns = [
    path("challenges/", challenges.challenge_list, name="challenges"),
    # "new" stays free as a challenge name only for this address, like the dashboard's.
    path("challenges/new/", challenges.challenge_new, name="challenge_new"),
    path("challenges/<slug:name>/", challenges.challenge_detail, name="challenge"),
    path("challenges/<slug:name>/edit/", challenges.challenge_edit, name="challenge_edit"),
    path("challenges/<slug:name>/publish/", challenges.challenge_publish, name="challenge_publish"),
    path("challenges/<slug:name>/results/", challenges.challenge_results, name="challenge_results"),
    path("challenges/<slug:name>/ideas/new/", challenges.idea_new, name="idea_new"),
    path(IDEA, ideas.idea_detail, name="idea"),
    path(IDEA + "vote/", ideas.idea_vote, name="idea_vote"),
    path(IDEA + "comment/", ideas.idea_comment, name="idea_comment"),
    path(IDEA + "flag/", ideas.idea_flag, name="idea_flag"),
    path(IDEA + "comments/<uuid:comment_id>/flag/", ideas.idea_flag, name="comment_flag"),
    path(IDEA + "withdraw/", ideas.idea_withdraw, name="idea_withdraw"),
    path(IDEA + "answer/", ideas.idea_answer, name="idea_answer"),
    path("challenges/<slug:name>/consultations/new/", consultations.consultation_new, name="consultation_new"),
    path(CONSULTATION, consultations.consultation_detail, name="consultation"),
    path(CONSULTATION + "edit/", consultations.consultation_edit, name="consultation_edit"),
    path(CONSULTATION + "status/", consultations.consultation_status, name="consultation_status"),
    path(CONSULTATION + "results/", consultations.consultation_results, name="consultation_results"),
    path(CONSULTATION + "results.csv", consultations.consultation_export, name="consultation_export"),
    path("showcase/", reuses.reuse_list, name="reuses"),
    path("showcase/new/", reuses.reuse_new, name="reuse_new"),
    path("showcase/<uuid:reuse_id>/", reuses.reuse_detail, name="reuse"),
    path("my-contributions/", contributions.my_contributions, name="my_contributions"),
]
