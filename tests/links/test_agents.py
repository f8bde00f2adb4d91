"""User-agent classification against real crawler and browser strings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from crawlerdetect import CrawlerDetect

from microreach.links import agents
from microreach.links.agents import AgentInfo, DeviceType, classify

DATA = Path(__file__).with_name("data")


def read_agents(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


BOTS = read_agents("bot_agents.txt")
BROWSERS = read_agents("browser_agents.txt")


def test_fixtures_are_large_and_distinct() -> None:
    assert len(BOTS) >= 150
    assert len(BROWSERS) >= 60
    assert len(set(BOTS)) == len(BOTS)
    assert len(set(BROWSERS)) == len(BROWSERS)
    assert not set(BOTS) & set(BROWSERS)


def test_at_least_99_percent_of_bots_are_flagged() -> None:
    missed = [agent for agent in BOTS if not classify(agent).is_bot]
    assert len(missed) <= len(BOTS) // 100, missed


def test_every_flagged_bot_is_a_bot_device_with_a_name() -> None:
    for agent in BOTS:
        info = classify(agent)
        if info.is_bot:
            assert info.device is DeviceType.BOT
            assert info.bot_name


@pytest.mark.parametrize("agent", BROWSERS)
def test_no_browser_is_a_bot(agent: str) -> None:
    info = classify(agent)
    assert not info.is_bot, info.bot_name
    assert info.bot_name is None
    assert info.device is not DeviceType.BOT


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "facebookexternalhit",
        ),
        ("Facebot", "Facebot"),
        ("Twitterbot/1.0", "Twitterbot"),
        ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "Slackbot"),
        ("Slack-ImgProxy (+https://api.slack.com/robots)", "Slack-ImgProxy"),
        ("WhatsApp/2.23.20.0 A", "WhatsApp"),
        ("WhatsApp", "WhatsApp"),
        ("TelegramBot (like TwitterBot)", "TelegramBot"),
        ("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", "Discordbot"),
        ("Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5", "SkypeUriPreview"),
        (
            "Mozilla/5.0 (compatible; Snap URL Preview Service; bot; snapchat; "
            "https://developers.snap.com/robots)",
            "Snap URL Preview",
        ),
        ("Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)", "Bluesky"),
        ("http.rb/5.1.1 (Mastodon/4.2.10; +https://mastodon.social/)", "Mastodon"),
        ("ViberUrlDownloader", "Viber"),
        ("facebookexternalhit/1.1;line-poker/1.0", "LINE"),
        (
            "facebookexternalhit/1.1; kakaotalk-scrap/1.0; +https://devtalk.kakao.com/t/scrap/33984",
            "KakaoTalk",
        ),
        (
            "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
            "Yahoo! Slurp",
        ),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Googlebot"),
        ("curl/8.4.0", "curl"),
        ("python-requests/2.31.0", "python-requests"),
    ],
)
def test_bot_names(agent: str, name: str) -> None:
    assert classify(agent).bot_name == name


@pytest.mark.parametrize("agent", ["", "   ", None])
def test_empty_user_agent_is_a_bot(agent: str | None) -> None:
    info = classify(agent)
    assert info == AgentInfo(True, "empty user agent", DeviceType.BOT, "Other", "Other")


def test_head_requests_are_bots_but_keep_what_the_agent_says() -> None:
    chrome = BROWSERS[0]
    info = classify(chrome, method="HEAD")
    assert info.is_bot
    assert info.bot_name == "HEAD request"
    assert info.device is DeviceType.BOT
    assert (info.os, info.browser) == ("Windows", "Chrome")
    assert classify(chrome, method="head").is_bot
    assert not classify(chrome, method="GET").is_bot
    assert classify("Twitterbot/1.0", method="HEAD").bot_name == "Twitterbot"


DEVICE_CASES = [line.split("\t") for line in read_agents("devices.tsv")]


@pytest.mark.parametrize(("agent", "device", "os", "browser"), DEVICE_CASES)
def test_device_os_and_browser(agent: str, device: str, os: str, browser: str) -> None:
    info = classify(agent)
    assert (info.is_bot, info.device, info.os, info.browser) == (False, device, os, browser)


def test_every_device_type_is_covered() -> None:
    assert {case[1] for case in DEVICE_CASES} == {"desktop", "mobile", "tablet", "other"}


def test_in_app_browsers_sharing_a_name_with_a_preview_fetcher_are_people() -> None:
    people = [
        agent
        for agent in BROWSERS
        if any(name in agent for name in ("Snapchat", "Line/", "Telegram", "Pinterest", "Linked"))
    ]
    assert len(people) >= 6
    assert not any(classify(agent).is_bot for agent in people)


def test_crawler_rules_match_crawlerdetect_exactly() -> None:
    reference = CrawlerDetect()
    matchers = agents._matchers()
    for agent in BOTS + BROWSERS:
        assert (matchers.crawler_match(agent) is not None) == reference.is_crawler(agent), agent


def test_crawler_names_keep_the_agents_case() -> None:
    matchers = agents._matchers()
    assert matchers.crawler_match("Mozilla/5.0 (compatible; AhrefsBot/7.0)") == "Ahrefs"
    assert matchers.crawler_match("Mozilla/5.0 (compatible; GOOGLEBOT/2.1)") == "GOOGLEBOT"


def test_results_are_frozen_and_cached() -> None:
    info = classify(BROWSERS[1])
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.is_bot = True  # type: ignore[misc]
    assert classify(BROWSERS[1]) is info
    assert agents._classify_agent.cache_info().maxsize == agents.CACHE_SIZE == 4096


def test_long_agents_are_cut_before_parsing() -> None:
    huge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) " + "A" * 100_000
    assert classify(huge) == classify(huge[: agents.MAX_USER_AGENT_LENGTH])


def test_warm_up_is_safe_to_call_again() -> None:
    agents.warm_up()
    agents.warm_up()
    assert not classify(BROWSERS[2]).is_bot
