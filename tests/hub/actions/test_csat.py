"""CSAT: the survey after resolve, answers from SMS text or any channel, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.actions.csat import parse_csat_reply, record_csat
from hub.actions.inbound import receive_inbound
from hub.actions.threads import set_thread_status
from hub.core import Hub
from hub.errors import Invalid
from hub.models import CsatSurvey, Event
from hub.policies.csat_survey import install_csat
from hub.queries.csat import thread_csat
from hub.settings import Settings
from hub.types import Inbound
from tests.conftest import make_settings


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path, csat_surveys=True)


def sms(body: str, sid: str) -> Inbound:
    return Inbound(channel="sms", kind="phone", address="+15551230000", body=body, provider_id=sid)


async def test_survey_after_resolve_and_sms_answer(hub: Hub) -> None:
    install_csat(hub)
    async with hub.uow() as uow:
        received = await receive_inbound(uow, sms("my parcel?", "SM1"))
    customer_id = received.customer.id
    async with hub.uow() as uow:
        await set_thread_status(uow, customer_id, "resolved")
    async with hub.read() as session:
        survey = (await session.execute(CsatSurvey.__table__.select())).one()
        question = await session.get(Event, survey.question_event_id)
    assert survey.state == "pending" and survey.channel == "sms"
    assert question is not None and question.data["via"] == "csat"
    assert "1" in (question.body or "") and "5" in (question.body or "")

    async with hub.uow() as uow:
        assert await parse_csat_reply(uow, customer_id, "thanks!", "sms", "SM2") is None
        answered = await parse_csat_reply(uow, customer_id, " 4 ", "sms", "SM3")
    assert answered is not None and answered.score == 4
    async with hub.uow() as uow:  # a replayed SMS answer counts once
        again = await parse_csat_reply(uow, customer_id, "4", "sms", "SM3")
        assert again is not None and again.id == answered.id
        # No survey pending any more: a bare digit is an ordinary message.
        assert await parse_csat_reply(uow, customer_id, "2", "sms", "SM4") is None
        # The widget's rating works at any time.
        await record_csat(uow, customer_id, 2, "webchat", "rating-1")
        await record_csat(uow, customer_id, 2, "webchat", "rating-1")
        with pytest.raises(Invalid):
            await record_csat(uow, customer_id, 6, "webchat", "rating-2")
    async with hub.read() as session:
        scores = await thread_csat(session, customer_id)
    assert [r.score for r in scores.ratings] == [2, 4]
    assert scores.average == 3.0 and not scores.pending


async def test_a_republished_resolve_asks_once(hub: Hub) -> None:
    install_csat(hub)
    async with hub.uow() as uow:
        received = await receive_inbound(uow, sms("hello", "SM9"))
        customer_id = received.customer.id
    async with hub.uow() as uow:
        await set_thread_status(uow, customer_id, "resolved")
        events = list(uow.events)
    await hub.publish(events)  # the same resolve published again: still one survey
    async with hub.read() as session:
        assert len((await thread_csat(session, customer_id)).ratings) == 0
        count = len((await session.execute(CsatSurvey.__table__.select())).all())
    assert count == 1
    assert Settings().csat_surveys is False
