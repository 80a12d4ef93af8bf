"""The acceptance test of issue 13: an app of the test suite only plugs into Ouvert by
registration (``NoticeboardConfig.ready``), and each registration works: its permission rules,
its moderated type, its followable kind, its panel on the dataset page, its periodic task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from ouvert.accounts import permissions
from ouvert.accounts.services import create_token
from ouvert.core.errors import PermissionDenied
from ouvert.core.models import Task, TaskStatus
from ouvert.core.tasks import schedule
from ouvert.moderation import registry as moderated
from ouvert.moderation import services as moderation
from ouvert.moderation.models import Case, Moderation
from ouvert.notifications import services as follows
from tests.apps.noticeboard import services
from tests.apps.noticeboard.models import Bulletin
from tests.support.api import V1Client
from tests.support.factories import make_dataset, make_organisation, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return make_user("redactrice")


@pytest.fixture
def member():
    return make_user("membre")


@pytest.fixture
def organisation(editor, member):
    return make_organisation("ville", editors=[editor], members=[member])


@pytest.fixture
def dataset(organisation):
    return make_dataset(organisation, "arbres")


@pytest.fixture
def public(dataset, editor):
    return services.post_bulletin(actor=editor, dataset=dataset, title="Mise à jour mensuelle",
                                  body="Les données sont mises à jour le premier lundi du mois.")


@pytest.fixture
def private(dataset, editor):
    return services.post_bulletin(actor=editor, dataset=dataset, title="Note interne", private=True,
                                  body="Vérifier les coordonnées avant la publication.")


def url(name, *args, lang="fr"):
    with translation.override(lang):
        return reverse(name, args=args)


def test_installed_by_the_test_settings_only():
    import ouvert.settings as production

    assert "tests.apps.noticeboard" in settings.INSTALLED_APPS
    assert not [app for app in production.INSTALLED_APPS if app.startswith("tests.")]


# --- permission rules -----------------------------------------------------------------------

def test_its_permission_rules_answer_through_both_faces(public, private, editor, member):
    stranger, other_admin = make_user("passant"), make_user("autre")
    make_organisation("autre-ville", admin=other_admin)
    for person, sees in ((None, {public}), (stranger, {public}), (other_admin, {public}),
                         (member, {public, private}), (editor, {public, private})):
        assert {b for b in (public, private) if permissions.can(person, "bulletin.view", b)} == sees
        assert set(permissions.visible(person, "bulletin")) == sees
    assert permissions.can(editor, "bulletin.post", public.organisation)
    assert not permissions.can(member, "bulletin.post", public.organisation)
    with pytest.raises(PermissionDenied):
        services.post_bulletin(actor=member, dataset=public.dataset, title="Non")


def test_it_joins_the_permission_matrix():
    from tests.test_permission_matrix import matrix_modules, surfaces

    assert "tests.apps.noticeboard.tests.matrix" in [module.__name__ for module in matrix_modules()]
    assert "bulletin" in permissions.VIEWS and "bulletin" in {kind for kind, _label, _fetch in surfaces()}


# --- moderation -------------------------------------------------------------------------------

def test_flagged_held_and_decided_through_the_moderation_services(public, dataset, editor, settings):
    assert moderated.of(public).kind == "bulletin"
    settings.OUVERT_PARTICIPATION_FLAG_THRESHOLD = 2
    for reader in (make_user("lectrice"), make_user("lecteur")):
        moderation.flag_content(public, actor=reader, rule="spam")
    public.refresh_from_db()
    assert public.moderation == Moderation.HIDDEN
    assert not permissions.can(None, "bulletin.view", public)
    case = moderation.open_case(public)
    assert case.reason == Case.Reason.FLAGS and case.organisation == dataset.organisation
    moderation.decide(public, actor=editor, action="restore")
    public.refresh_from_db()
    assert public.moderation == Moderation.VISIBLE and moderation.open_case(public) is None

    held = services.post_bulletin(actor=editor, dataset=dataset, title="Contact",
                                  body="Appelez-moi au 418-555-0123 pour les détails.")
    assert held.moderation == Moderation.HELD and moderation.open_case(held).reason == Case.Reason.CHECKS
    decision = moderation.decide(held, actor=editor, action="reject")
    held.refresh_from_db()
    assert held.moderation == Moderation.REJECTED and decision.after == Moderation.REJECTED


def test_held_bulletins_appear_in_the_moderation_queue(client, dataset, editor):
    held = services.post_bulletin(actor=editor, dataset=dataset, title="Contact direct",
                                  body="Écrivez-moi à paul@exemple.ca pour en parler.")
    assert held.moderation == Moderation.HELD
    client.force_login(editor)
    html = client.get(url("moderation:queue", lang="en")).content.decode()
    assert f'<a href="{url("web:dataset", "arbres", lang="en")}#bulletin-{held.pk}">Contact direct</a>' in html
    only = client.get(url("moderation:queue", lang="en") + "?kind=bulletin").content.decode()
    assert "Contact direct" in only
    case = moderation.open_case(held)
    client.post(url("moderation:decide", case.pk, lang="en"), {f"case-{case.pk}-action": "release"})
    held.refresh_from_db()
    assert held.moderation == Moderation.VISIBLE


# --- follows ----------------------------------------------------------------------------------

def test_followed_through_the_services_and_the_api(public, private, member):
    reader = make_user("lectrice")
    follows.follow(public, actor=reader)
    assert follows.is_following(public, actor=reader) and reader in follows.followers_of(public)

    v1 = V1Client(token=create_token(member, actor=member, name="tests")[1])
    answer = v1.put(f"/follows/bulletin/{private.pk}")
    assert answer.status == 200, answer.body
    assert answer.body == {"kind": "bulletin", "key": str(private.pk), "following": True}
    assert v1.get(f"/follows/bulletin/{private.pk}").body["following"] is True
    assert v1.delete(f"/follows/bulletin/{private.pk}").body["following"] is False

    stranger = V1Client(token=create_token(reader, actor=reader, name="tests")[1])
    assert stranger.put(f"/follows/bulletin/{private.pk}").status == 404  # what one may not see does not exist
    assert stranger.put("/follows/bulletin/not-an-id").status == 404


# --- the dataset page's panel -----------------------------------------------------------------

def test_its_panel_shows_on_the_dataset_page(client, public, private, member):
    html = client.get(url("web:dataset", "arbres")).content.decode()
    assert f'id="bulletin-{public.pk}"' in html and "Mise à jour mensuelle" in html
    assert "Note interne" not in html
    client.force_login(member)
    html = client.get(url("web:dataset", "arbres")).content.decode()
    assert f'id="bulletin-{private.pk}"' in html and "Note interne" in html


def test_no_panel_where_there_is_nothing_to_show(client, dataset, private):
    assert 'class="noticeboard"' not in client.get(url("web:dataset", "arbres")).content.decode()


# --- the periodic task ------------------------------------------------------------------------

def test_its_periodic_task_is_queued_once_per_period(settings, public):
    settings.OUVERT_TASKS = "database"
    now = timezone.now()

    def queued(when):
        return [t for t in schedule.enqueue_due(when) if t.name == "noticeboard.archive_expired"]

    first = queued(now)
    assert len(first) == 1
    assert queued(now) == [] and queued(now + timedelta(minutes=59)) == []
    Task.objects.filter(pk=first[0].pk).update(status=TaskStatus.DONE)
    assert len(queued(now + timedelta(minutes=60))) == 1


def test_its_periodic_task_archives_expired_bulletins(public, private):
    from tests.apps.noticeboard.tasks import archive_expired

    Bulletin.objects.filter(pk=public.pk).update(expires=timezone.now() - timedelta(minutes=1))
    assert archive_expired(None) == {"archived": 1}
    public.refresh_from_db()
    assert public.archived and not permissions.can(None, "bulletin.view", public)
