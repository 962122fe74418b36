
--
{{!why}}
{{!_("Unsubscribe from these emails")}}: {{!unsubscribe}}
% if settings:
{{!_("Notification settings")}}: {{!settings}}
% end
