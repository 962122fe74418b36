<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>TaskFlow: unsubscribe</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 2em auto; padding: 0 1em">
<main>
<h1>Unsubscribe</h1>
% if done:
<p>Done: {{username}} gets no more “{{label}}” emails. The inbox still shows them.</p>
% else:
<p>Stop the “{{label}}” emails to {{username}}?</p>
<form method="post" action="{{action}}"><button type="submit">Unsubscribe</button></form>
% end
</main>
</body></html>
