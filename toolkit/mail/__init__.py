"""Mail: building the messages (MIME, with the .xlsx attachment) and sending them over SMTP."""
