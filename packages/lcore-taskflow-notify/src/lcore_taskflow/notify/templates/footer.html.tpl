<hr style="border: 0; border-top: 1px solid #e4e7eb">
<p style="color: #7b8794; font-size: 0.8em">{{why}} <a href="{{unsubscribe}}">{{_("Unsubscribe from these emails")}}</a>
% if settings:
 {{_("or")}} <a href="{{settings}}">{{_("change your notification settings")}}</a>
% end
.</p>
</body></html>
