"""The application log's filter (SECURITY.md 18): personal numbers masked, storage names whole."""

from __future__ import annotations

import logging
import sys

from rewards.core.logs import MaskPersonalNumbers, mask_log_message

#: A storage name as rewards/applications/materials.py makes them, whose time prefix and random
#: part happen to hold a run of 15 decimal digits (it was masked, and the operator could not find
#: the file the ERROR line named).
STORAGE = "materials/2020/18ec02f4c7627001234567890123755abab211a838ed94fca"


def _filtered(message: str, *args: object) -> str:
    record = logging.LogRecord("rewards.test", logging.ERROR, __file__, 1, message, args, None)
    assert MaskPersonalNumbers().filter(record) is True
    return record.getMessage()


def test_a_storage_name_with_a_long_digit_run_stays_whole_and_a_number_beside_it_is_masked():
    line = _filtered("申请材料的文件缺失：材料 %s，存储名 %s；身份证 %s。", 7, STORAGE, "330106199001011234")
    assert STORAGE in line
    assert "330106199001011234" not in line and "330106********1234" in line


def test_a_sha256_stays_whole():
    digest = "0123456789012345678901234567890123456789012345678901234567abcdef"
    assert mask_log_message(f"校验值 {digest} 不符") == f"校验值 {digest} 不符"


def test_an_id_number_glued_to_a_short_word_is_still_masked():
    assert "330106199001011234" not in _filtered("Not Found: /staff/applications/330106199001011234abc")


def test_a_long_run_of_digits_alone_is_masked_even_when_32_long():
    number = "6222021234567890016" * 2  # no letter: not a hexadecimal name
    assert number not in mask_log_message(f"卡号 {number}")


def test_a_hex_name_glued_to_letters_beyond_it_is_not_a_name():
    token = "18ec02f4c7627001234567890123755abab211a838ed94fcaZ"
    assert "12345678901237" not in mask_log_message(token)


def _console_handler() -> logging.Handler:
    """The handler every record of the application goes through (config/settings LOGGING)."""
    return next(handler for handler in logging.getLogger().handlers if any(isinstance(flt, MaskPersonalNumbers) for flt in handler.filters))


def test_a_traceback_quoting_an_id_number_is_masked_as_the_message_is():
    try:
        int("33010619900101123X")  # an importer's int() on a cell holding the ID number
    except ValueError:
        record = logging.LogRecord("rewards.batches", logging.ERROR, __file__, 1, "批量导入 %s 处理失败。", (7,), sys.exc_info())
    handler = _console_handler()
    assert handler.filter(record)
    line = handler.format(record)
    assert "Traceback" in line and "ValueError" in line
    assert "33010619900101123X" not in line and "330106********123X" in line


def test_a_stack_logged_with_a_card_number_in_it_is_masked():
    record = logging.LogRecord(
        "rewards.test", logging.WARNING, __file__, 1, "卡号有误", (), None, sinfo="Stack (most recent call last):\n  6222021234567890016"
    )
    handler = _console_handler()
    assert handler.filter(record)
    assert "6222021234567890016" not in handler.format(record)
