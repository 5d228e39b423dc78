"""The admissions workflow store: models, rules, services, outbox. Imports neither bot/ nor mail/."""
