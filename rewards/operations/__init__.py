"""Operations: the audit chain's verification, retention (purge_expired), backup and restore."""
