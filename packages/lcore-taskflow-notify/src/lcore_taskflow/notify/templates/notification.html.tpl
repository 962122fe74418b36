<!DOCTYPE html>
<html lang="{{lang}}"><head><meta charset="utf-8"><title>{{subject}}</title></head>
<body style="font-family: sans-serif; color: #1f2933; max-width: 40em">
<p style="color: #52606d; font-size: 0.9em">{{project}}</p>
<h2 style="margin: 0.2em 0">{{headline}}</h2>
% if task_title:
<p><strong>{{task_title}}</strong></p>
% end
% if summary:
<blockquote style="border-left: 3px solid #cbd2d9; margin: 0; padding-left: 1em; white-space: pre-wrap">{{summary}}</blockquote>
% end
% if link:
<p><a href="{{link}}">{{_("Open it in TaskFlow")}}</a></p>
% end
