{{!_("What you missed on {day}", day=day)}}

% for item in items:
- {{!item["project"]}}: {{!item["headline"]}}{{!(": " + item["task_title"]) if item["task_title"] else ""}}
% if item["link"]:
  {{!item["link"]}}
% end
% end
% if more:

{{!_("... and {more} more in your inbox.", more=more)}}
% end
