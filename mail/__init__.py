"""Mail adapter: IMAP in (imapclient), SMTP out (aiosmtplib); parse, call workflows/knowledge, render."""
