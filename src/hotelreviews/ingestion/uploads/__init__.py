"""Files uploaded through the API: checked, stored whole (local folder or S3), then queued."""
