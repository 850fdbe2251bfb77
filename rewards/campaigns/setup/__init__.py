"""年度活动设置: next year's campaign copied from the last one, and its editing by the city
union's administrator under the lock rule (``services``); what the lock rule reads
(``selectors``); dates shifted by a year (``dates``); the campaign's SMS texts (``sms``)."""
