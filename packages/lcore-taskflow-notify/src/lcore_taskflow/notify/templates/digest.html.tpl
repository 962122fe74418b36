<!DOCTYPE html>
<html lang="{{lang}}"><head><meta charset="utf-8"><title>{{subject}}</title></head>
<body style="font-family: sans-serif; color: #1f2933; max-width: 40em">
<h2>{{_("What you missed on {day}", day=day)}}</h2>
<ul>
% for item in items:
<li><span style="color: #52606d">{{item["project"]}}</span> — {{item["headline"]}}
% if item["task_title"]:
: <strong>{{item["task_title"]}}</strong>
% end
% if item["link"]:
(<a href="{{item["link"]}}">{{_("open")}}</a>)
% end
</li>
% end
</ul>
% if more:
<p>{{_("… and {more} more in your inbox.", more=more)}}</p>
% end
