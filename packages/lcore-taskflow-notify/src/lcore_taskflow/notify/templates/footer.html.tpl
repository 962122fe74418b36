<hr style="border: 0; border-top: 1px solid #e4e7eb">
<p style="color: #7b8794; font-size: 0.8em">{{why}} <a href="{{unsubscribe}}">Unsubscribe from these emails</a>
% if settings:
 or <a href="{{settings}}">change your notification settings</a>
% end
.</p>
</body></html>
