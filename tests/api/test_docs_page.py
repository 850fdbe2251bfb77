"""接口文档 (/api/v1/docs): Swagger UI from the sidecar package, unchanged, with a Chinese title,
our script and style sheet that say its own words in Chinese, and every group of operations
described in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

from django.contrib.staticfiles import finders


def test_the_docs_page_has_a_chinese_title_and_loads_our_chinese_words(api, db):  # type: ignore[no-untyped-def]
    page = api.get("/api/v1/docs").content.decode()

    assert "<title>接口文档（v1） · 杭州市职工高技能人才奖励平台</title>" in page
    assert '<script src="/static/api/swagger-ui-zh.js"></script>' in page
    assert '<link rel="stylesheet" href="/static/api/swagger-ui-zh.css">' in page
    # After Swagger UI and its start-up script, so that it sees what they draw.
    assert page.index("swagger-ui-bundle.js") < page.index("/api/v1/docs?script=") < page.index("swagger-ui-zh.js")
    script = Path(finders.find("api/swagger-ui-zh.js")).read_text(encoding="utf-8")
    for english, chinese in (("Try it out", "试一试"), ("Execute", "执行"), ("Authorize", "授权"), ("Responses", "响应")):
        assert re.search(rf'"{english}": "{chinese}"', script), english
    assert 'content: "必填"' in Path(finders.find("api/swagger-ui-zh.css")).read_text(encoding="utf-8")


def test_every_group_of_operations_is_described_in_chinese(api, db):  # type: ignore[no-untyped-def]
    schema = api.get("/api/v1/openapi.json").json()

    used = {tag for operations in schema["paths"].values() for operation in operations.values() for tag in operation.get("tags", [])}
    described = {tag["name"]: tag.get("description", "") for tag in schema.get("tags", [])}
    assert used <= set(described)
    assert all(re.search(r"[\u4e00-\u9fff]", described[tag]) for tag in used)
