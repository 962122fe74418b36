{{!project}}

{{!headline}}
% if task_title:
{{!task_title}}
% end
% if summary:

{{!summary}}
% end
% if link:

{{!_("Open it in TaskFlow")}}: {{!link}}
% end
