<!DOCTYPE html>
<html lang="{{lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{_("TaskFlow: unsubscribe")}}</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 2em auto; padding: 0 1em">
<main>
<h1>{{_("Unsubscribe")}}</h1>
% if done:
<p>{{_("Done: {username} gets no more “{label}” emails. The inbox still shows them.", username=username, label=label)}}</p>
% else:
<p>{{_("Stop the “{label}” emails to {username}?", label=label, username=username)}}</p>
<form method="post" action="{{action}}"><button type="submit">{{_("Unsubscribe")}}</button></form>
% end
</main>
</body></html>
