
--
{{!why}}
Unsubscribe from these emails: {{!unsubscribe}}
% if settings:
Notification settings: {{!settings}}
% end
